package io.modelhealth.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test run, and the PKCS12 stores Kafka's TLS settings take:
 * a trust store holding the CA, and key stores whose certificate the CA signed for a given SAN.
 *
 * <p>Made with the JDK's own {@code keytool} (run as a process: its classes are not exported) for
 * what needs a private key — {@code -genkeypair}, {@code -certreq}, {@code -gencert -ext SAN=…} — and
 * with {@link KeyStore} for the rest (trust store, chains). EC P-256 keys: generated in milliseconds,
 * where RSA would cost seconds on a busy machine. Certificates are valid for one day. Each keytool
 * run is a JVM start: {@link #issue} may be called from several threads at once to overlap them.
 */
final class TestPki {

    /** The SAN of certificates for the embedded broker, which advertises 127.0.0.1 (and nothing else). */
    static final String BROKER_SAN = "IP:127.0.0.1";

    private final Path dir;
    private final String name;
    private final String password;
    private final Path caStore;
    private final Certificate caCertificate;
    private final Path trustStore;

    private TestPki(Path dir, String name, String password, Path caStore, Certificate caCertificate) {
        this.dir = dir;
        this.name = name;
        this.password = password;
        this.caStore = caStore;
        this.caCertificate = caCertificate;
        this.trustStore = writeTrustStore();
    }

    /** A new CA named {@code name}, its files in {@code dir}; every store it makes opens with one random password. */
    static TestPki create(Path dir, String name) {
        String password = "pki-" + UUID.randomUUID();
        Path caStore = dir.resolve(name + "-ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + name + " test CA", "-ext", "bc:c", "-validity", "1",
                "-keystore", caStore.toString(), "-storetype", "PKCS12", "-storepass", password);
        try {
            KeyStore ca = load(caStore, password);
            return new TestPki(dir, name, password, caStore, ca.getCertificate("ca"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the CA keytool made", e);
        }
    }

    /** Opens every store this CA made (store and key). */
    String password() {
        return password;
    }

    /** A PKCS12 trust store holding only this CA's certificate; opens with {@link #password()}. */
    Path trustStore() {
        return trustStore;
    }

    private Path writeTrustStore() {
        Path store = dir.resolve(name + "-truststore.p12");
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            save(trust, store);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the trust store", e);
        }
    }

    /**
     * A PKCS12 key store with a new key for {@code commonName} and its chain (the certificate, signed by
     * this CA, with subject alternative names {@code san}, e.g. {@code IP:127.0.0.1,DNS:kafka}, then the CA).
     * Good for a server and a client (extended key usage serverAuth and clientAuth).
     */
    Path issue(String commonName, String san) {
        String alias = commonName.replaceAll("[^A-Za-z0-9]", "-");
        Path store = dir.resolve(name + "-" + alias + ".p12");
        Path request = dir.resolve(name + "-" + alias + ".csr");
        Path signed = dir.resolve(name + "-" + alias + ".pem");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + commonName, "-validity", "1",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-storepass", password, "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", password,
                "-infile", request.toString(), "-outfile", signed.toString(), "-rfc", "-validity", "1",
                "-ext", "SAN=" + san, "-ext", "KU=digitalSignature", "-ext", "EKU=serverAuth,clientAuth");
        try (InputStream in = Files.newInputStream(signed)) {
            KeyStore keys = load(store, password);
            Key key = keys.getKey(alias, password.toCharArray());
            List<Certificate> chain = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            chain.add(caCertificate);
            keys.setKeyEntry(alias, key, password.toCharArray(), chain.toArray(Certificate[]::new));
            save(keys, store);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot assemble the key store of " + commonName, e);
        }
    }

    private static KeyStore load(Path path, String password) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void save(KeyStore store, Path path) throws GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(path)) {
            store.store(out, password.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A short-lived JVM: C1 only and the serial collector halve its CPU time, which counts on a busy machine.
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-XX:-UsePerfData"));
        command.addAll(List.of(args));
        command.add("-noprompt");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
