package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gapsync add docker://REF} against the real distribution registry on 127.0.0.1: anonymous,
 * htpasswd basic auth, and a connection reset in the middle of a blob. Images are built with umoci
 * and pushed with skopeo.
 */
@Tag("peer")
class RegistryAddPeerTest {

  @TempDir Path tmp;

  private Path layout;
  private Path store;

  @BeforeEach
  void buildImage() throws Exception {
    assumeTrue(Peers.available("skopeo"), "skopeo is not installed");
    assumeTrue(Peers.available("umoci"), "umoci is not installed");
    assumeTrue(Peers.available("docker-registry"), "docker-registry is not installed");
    Path content = Files.createDirectories(tmp.resolve("content/data"));
    byte[] noise = new byte[3 * 1024 * 1024];
    new Random(42).nextBytes(noise);
    Files.write(content.resolve("noise.bin"), noise);
    layout = Peers.buildTinyImage(tmp.resolve("L"), "t", tmp.resolve("content"));
    store = tmp.resolve("store");
  }

  private static Digest skopeoDigest(String ref, String... extra) {
    java.util.List<String> cmd =
        new java.util.ArrayList<>(java.util.List.of("skopeo", "inspect", "--raw"));
    cmd.addAll(java.util.List.of(extra));
    cmd.add(ref);
    return Digest.sha256Of(
        Peers.run(null, cmd.toArray(String[]::new)).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void addsAnImageAnonymouslyAndASecondAddDownloadsNoBlob() throws Exception {
    try (DistributionRegistry reg = DistributionRegistry.start(dir("reg"), "")) {
      reg.push("oci:" + layout + ":t", "lib/app:1");
      Digest expected = skopeoDigest("docker://" + reg.host() + "/lib/app:1", "--tls-verify=false");

      CliRun first =
          CliRun.withStore(store, "add", "docker://" + reg.host() + "/lib/app:1", "--insecure");
      CliRun second =
          CliRun.withStore(store, "add", "docker://" + reg.host() + "/lib/app:1", "--insecure");

      assertThat(first.exitCode()).as(first.toString()).isZero();
      assertThat(first.out()).contains("Added lib/app:1 " + expected).contains("2 new blobs");
      assertThat(second.out()).contains("0 new blobs").contains("2 already held");
      try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
        assertThat(s.resolveTag("lib/app", "1")).contains(expected);
        assertThat(s.fsck().ok()).isTrue();
      }
    }
  }

  @Test
  void basicAuthUsesTheAuthFileAndWithoutItSaysWhatToDo() throws Exception {
    Path htpasswd = tmp.resolve("htpasswd");
    byte[] salt = new byte[16];
    new Random(7).nextBytes(salt);
    Files.writeString(
        htpasswd, "alice:" + OpenBSDBCrypt.generate("2a", "s3cret".toCharArray(), salt, 6) + "\n");
    String auth = "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd + "\n";
    try (DistributionRegistry reg = DistributionRegistry.start(dir("reg"), auth)) {
      reg.push("oci:" + layout + ":t", "lib/app:1", "--dest-creds", "alice:s3cret");
      Path authFile = tmp.resolve("auth.json");
      Files.writeString(
          authFile,
          "{\"auths\":{\""
              + reg.host()
              + "\":{\"auth\":\""
              + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8))
              + "\"}}}");
      String src = "docker://" + reg.host() + "/lib/app:1";

      CliRun anonymous = CliRun.withStore(store, "add", src, "--insecure");
      CliRun withLogin =
          CliRun.withStore(store, "add", src, "--insecure", "--authfile", authFile.toString());

      assertThat(anonymous.exitCode()).isEqualTo(1);
      assertThat(anonymous.err().lines().count()).isEqualTo(1);
      assertThat(anonymous.err())
          .contains("Tried to GET " + reg.host() + "/v2/lib/app/manifests/1")
          .contains("401")
          .contains("--authfile");
      assertThat(withLogin.exitCode()).as(withLogin.toString()).isZero();
      assertThat(withLogin.out()).contains("Added lib/app:1 ");
    }
  }

  @Test
  void bearerTokenFlowGetsATokenFromTheRealmWithTheLogin() throws Exception {
    assumeTrue(Peers.available("openssl"), "openssl is not installed");
    try (TokenServer tokens = TokenServer.start(tmp, "bob", "pw");
        DistributionRegistry reg =
            DistributionRegistry.start(dir("reg"), tokens.registryAuthYaml(tmp))) {
      reg.push("oci:" + layout + ":t", "lib/app:1", "--dest-creds", "bob:pw");
      Path authFile = tmp.resolve("auth.json");
      Files.writeString(
          authFile,
          "{\"auths\":{\"" + reg.host() + "\":{\"username\":\"bob\",\"password\":\"pw\"}}}");
      String src = "docker://" + reg.host() + "/lib/app:1";
      int issuedByPush = tokens.issued();

      CliRun anonymous = CliRun.withStore(store, "add", src, "--insecure");
      CliRun withLogin =
          CliRun.withStore(store, "add", src, "--insecure", "--authfile", authFile.toString());

      assertThat(anonymous.exitCode()).isEqualTo(1);
      assertThat(anonymous.err())
          .contains("get a bearer token for repository:lib/app:pull from " + tokens.realm())
          .contains("401")
          .contains("--authfile");
      assertThat(withLogin.exitCode()).as(withLogin.toString()).isZero();
      assertThat(withLogin.out()).contains("Added lib/app:1 ").contains("2 new blobs");
      // One token for the repository, reused for the manifest and both blobs.
      assertThat(tokens.issued() - issuedByPush).isEqualTo(1);
    }
  }

  @Test
  void aConnectionResetMidBlobResumesWithRange() throws Exception {
    try (DistributionRegistry reg = DistributionRegistry.start(dir("reg"), "");
        ResetProxy proxy = new ResetProxy(reg.port())) {
      reg.push("oci:" + layout + ":t", "lib/app:1");
      Digest expected = skopeoDigest("docker://" + reg.host() + "/lib/app:1", "--tls-verify=false");
      proxy.resetOnceAfter(1024 * 1024);

      CliRun r =
          CliRun.withStore(store, "add", "docker://" + proxy.host() + "/lib/app:1", "--insecure");

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(proxy.resets()).isEqualTo(1);
      assertThat(r.out()).contains("Added lib/app:1 " + expected);
      assertThat(Files.readString(dir("reg").resolve("registry.log"))).doesNotContain("panic");
      try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
        assertThat(s.fsck().ok()).isTrue();
      }
    }
  }

  private Path dir(String name) throws Exception {
    return Files.createDirectories(tmp.resolve(name));
  }
}
