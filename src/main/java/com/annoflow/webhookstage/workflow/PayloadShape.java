package com.annoflow.webhookstage.workflow;

/**
 * What a webhook stage sends, chosen by its {@code payload} field: {@code darwin-v2} (the default), {@code flat}, or
 * {@code route:<id>}, a route in {@code routes/} that turns the darwin-v2 payload into the body to send.
 */
public record PayloadShape(Kind kind, String routeId) {

    public enum Kind { DARWIN_V2, FLAT, ROUTE }

    public static final PayloadShape DARWIN_V2 = new PayloadShape(Kind.DARWIN_V2, null);
    public static final PayloadShape FLAT = new PayloadShape(Kind.FLAT, null);
    private static final String ROUTE_PREFIX = "route:";

    /** The shape {@code written} names, or null when it names none. */
    public static PayloadShape parse(String written) {
        if (written == null) {
            return DARWIN_V2;
        }
        if (written.equals("darwin-v2")) {
            return DARWIN_V2;
        }
        if (written.equals("flat")) {
            return FLAT;
        }
        if (written.startsWith(ROUTE_PREFIX) && written.length() > ROUTE_PREFIX.length()
            && written.substring(ROUTE_PREFIX.length()).matches("[A-Za-z0-9._-]+")) {
            return new PayloadShape(Kind.ROUTE, written.substring(ROUTE_PREFIX.length()));
        }
        return null;
    }

    public boolean isRoute() {
        return kind == Kind.ROUTE;
    }

    /** As written in {@code config/workflow.yaml}. */
    public String label() {
        return switch (kind) {
            case DARWIN_V2 -> "darwin-v2";
            case FLAT -> "flat";
            case ROUTE -> ROUTE_PREFIX + routeId;
        };
    }

    @Override
    public String toString() {
        return label();
    }
}
