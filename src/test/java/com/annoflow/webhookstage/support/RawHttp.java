package com.annoflow.webhookstage.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP requests written byte for byte on a socket to 127.0.0.1, for what no HTTP client will send: conflicting framing,
 * repeated headers, bodies that stop short. Reads until the server closes the connection or the answer is complete.
 */
public final class RawHttp {

    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3})");
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

    /** What came back: the status (0 when none), the whole answer, whether the server closed, how long it took. */
    public record Answer(int status, String text, boolean closed, Duration took) {
    }

    private RawHttp() {
    }

    public static Answer send(int port, String request, Duration patience) {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1), patience);
    }

    public static Answer send(int port, byte[] request, Duration patience) {
        long started = System.nanoTime();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean closed = false;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) patience.toMillis());
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (!complete(received.toString(StandardCharsets.ISO_8859_1))) {
                int n = in.read(buffer);
                if (n < 0) {
                    closed = true;
                    break;
                }
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // no (complete) answer within the patience given
        } catch (IOException e) {
            closed = true; // reset by the server
        }
        String text = received.toString(StandardCharsets.ISO_8859_1);
        Matcher status = STATUS.matcher(text);
        return new Answer(status.find() ? Integer.parseInt(status.group(1)) : 0, text, closed,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private static boolean complete(String text) {
        int headersEnd = text.indexOf("\r\n\r\n");
        if (headersEnd < 0) {
            return false;
        }
        Matcher length = LENGTH.matcher(text.substring(0, headersEnd));
        return length.find() && text.length() - headersEnd - 4 >= Integer.parseInt(length.group(1));
    }
}
