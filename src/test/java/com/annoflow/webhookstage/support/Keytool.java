package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JDK's keytool, for the keys and certificates of TLS tests (made fresh in target/, valid for two days). */
public final class Keytool {

    private Keytool() {
    }

    /** A PKCS12 keystore at {@code store} with one key pair for {@code dname}, and its certificate exported beside it. */
    public static Path keyPair(Path store, String alias, String dname, String password) {
        return keyPair(store, alias, dname, password, "+0d");
    }

    /** As {@link #keyPair(Path, String, String, String)}, valid for two days from {@code start} (e.g. "-5d": expired). */
    public static Path keyPair(Path store, String alias, String dname, String password, String start) {
        run("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-startdate", start, "-validity", "2",
                "-dname", dname,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", password);
        Path certificate = Path.of(store.toString().replaceAll("\\.p12$", ".crt"));
        run("-exportcert", "-alias", alias, "-keystore", store.toString(), "-storepass", password, "-file",
                certificate.toString());
        return certificate;
    }

    /** A PKCS12 trust store at {@code store} that trusts {@code certificate}. */
    public static void trustStore(Path store, String alias, Path certificate, String password) {
        run("-importcert", "-noprompt", "-alias", alias, "-file", certificate.toString(), "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", password);
    }

    public static void run(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
