package com.annoflow.webhookstage.workflow;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;

/**
 * A stage's {@code client_certificate}: the PKCS12 keystore (its path, and the password from a reference) whose key and
 * certificate the bundle presents to a receiver that asks for one (mutual TLS).
 */
public record ClientCertificate(Path keystore, String password) {

    /** The keystore, read now: the file may have been renewed since start-up. */
    public KeyStore load() throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, passwordChars());
            return store;
        }
    }

    public char[] passwordChars() {
        return password == null ? new char[0] : password.toCharArray();
    }

    /** The certificate of the keystore's first key entry, or null. */
    public static X509Certificate certificateOf(KeyStore store) throws GeneralSecurityException {
        String alias = firstKeyAlias(store);
        return alias != null && store.getCertificate(alias) instanceof X509Certificate x509 ? x509 : null;
    }

    private static String firstKeyAlias(KeyStore store) throws GeneralSecurityException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return alias;
            }
        }
        return null;
    }

    /**
     * Why the keystore cannot serve as a client certificate (missing, unreadable, wrong password, no key, expired), as
     * the end of a sentence that starts with the field; null when it can.
     */
    static String problem(Path keystore, String password, Instant now) {
        KeyStore store;
        try {
            store = new ClientCertificate(keystore, password).load();
        } catch (NoSuchFileException e) {
            return "does not exist; give the path of a PKCS12 file the bundle can read";
        } catch (IOException e) {
            // a wrong password surfaces as an IOException whose cause is an UnrecoverableKeyException
            return e.getCause() instanceof UnrecoverableKeyException
                   || String.valueOf(e.getMessage()).contains("password")
                    ? "cannot be opened with the password given (not shown); check the variable 'password' refers to"
                    : "cannot be read as a PKCS12 keystore (" + e.getClass().getSimpleName() + "); export it with"
                      + " keytool -importkeystore -deststoretype PKCS12, or openssl pkcs12 -export";
        } catch (GeneralSecurityException e) {
            return "cannot be read as a PKCS12 keystore (" + e.getClass().getSimpleName() + ")";
        }
        try {
            X509Certificate certificate = certificateOf(store);
            if (certificate == null) {
                return "holds no private key with its certificate; a client certificate needs both (keytool -list shows"
                       + " a PrivateKeyEntry)";
            }
            if (certificate.getNotAfter().toInstant().isBefore(now)) {
                return "holds a certificate that expired on " + certificate.getNotAfter().toInstant()
                       + "; renew it, receivers refuse an expired client certificate";
            }
            store.getKey(firstKeyAlias(store), new ClientCertificate(keystore, password).passwordChars());
            return null;
        } catch (GeneralSecurityException e) {
            return "holds a key that the password given (not shown) does not open; a PKCS12 key uses the store's password";
        }
    }

    @Override
    public String toString() {
        return "ClientCertificate[" + keystore + ", password=****]";
    }
}
