package com.annoflow.webhookstage.api;

/**
 * The rules for text the API stores in a column (names, slugs, paths, URLs, ids) and for text it echoes in a message.
 * JSON carries any Unicode, but a NUL cannot be stored by PostgreSQL, an unpaired surrogate cannot be encoded, and a
 * control character has no place in a name or a URL.
 */
final class ApiText {

    /** How much of a caller's value a message repeats. */
    private static final int SHOWN = 60;

    private ApiText() {
    }

    /**
     * Why {@code value} cannot be stored as the field {@code path}, or null when it can: control characters, unpaired
     * surrogates, more than {@code max} characters ({@code cap}: the property that sets it, or why it is what it is).
     */
    static String problem(String path, String value, int max, String cap) {
        int controls = firstControl(value);
        if (controls >= 0) {
            return path + ": contains the control character U+" + String.format("%04X", (int) value.charAt(controls))
                   + " at character " + (controls + 1) + "; send printable text";
        }
        int unpaired = firstUnpairedSurrogate(value);
        if (unpaired >= 0) {
            return path + ": contains an unpaired surrogate at character " + (unpaired + 1) + "; send valid Unicode";
        }
        int length = value.codePointCount(0, value.length());
        if (length > max) {
            return path + ": is " + length + " characters long; at most " + max + " are accepted (" + cap + ")";
        }
        return null;
    }

    /** A caller's value as a message repeats it: at most 60 characters, control characters and broken text replaced. */
    static String shown(String value) {
        return shown(value, SHOWN);
    }

    static String shown(String value, int max) {
        if (value == null) {
            return "null";
        }
        StringBuilder shown = new StringBuilder();
        value.codePoints().limit(max).forEach(c -> shown.appendCodePoint(
                Character.isISOControl(c) || c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE ? 0xFFFD : c));
        return value.codePointCount(0, value.length()) > max ? shown.append('…').toString() : shown.toString();
    }

    static int firstControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return i;
            }
        }
        return -1;
    }

    static int firstUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
