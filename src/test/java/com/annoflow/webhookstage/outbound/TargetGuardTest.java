package com.annoflow.webhookstage.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every blocked range, public addresses let through, and the allow-list. */
class TargetGuardTest {

    private final TargetGuard guard = new TargetGuard("");

    @ParameterizedTest(name = "{0} is blocked as {1}")
    @CsvSource({
            "127.0.0.1, loopback", "127.8.9.10, loopback", "::1, loopback",
            "10.1.2.3, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "169.254.169.254, link-local", "fe80::1, link-local",
            "100.64.0.1, reserved", "100.127.255.254, reserved",
            "224.0.0.1, multicast", "239.255.255.250, multicast", "ff02::1, multicast",
            "0.0.0.0, reserved", "240.0.0.1, reserved", "255.255.255.255, reserved", "198.18.0.1, reserved",
            "192.0.2.10, reserved", "fd00::1, reserved", "::ffff:10.0.0.1, private", "::ffff:127.0.0.1, loopback"
    })
    void blockedRangesAreRefusedWithTheReasonAndTheSettingToChange(String address, String kind) throws Exception {
        assertThat(guard.refusal("target.example", InetAddress.getByName(address)))
                .contains("a " + kind + " address").contains("webhook.ssrf.allow");
    }

    @ParameterizedTest
    @ValueSource(strings = { "93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111" })
    void publicAddressesAreAllowed(String address) throws Exception {
        assertThat(guard.refusal("target.example", InetAddress.getByName(address))).isNull();
    }

    @Test
    void theAllowListTakesCidrsAddressesAndHostNames() throws Exception {
        TargetGuard allowing = new TargetGuard("10.20.0.0/16, 127.0.0.1, hooks.internal");
        assertThat(allowing.refusal("x", InetAddress.getByName("10.20.3.4"))).isNull();
        assertThat(allowing.refusal("x", InetAddress.getByName("10.21.3.4"))).isNotNull();
        assertThat(allowing.refusal("x", InetAddress.getByName("127.0.0.1"))).isNull();
        assertThat(allowing.refusal("x", InetAddress.getByName("127.0.0.2"))).isNotNull();
        assertThat(allowing.refusal("HOOKS.internal", InetAddress.getByName("192.168.7.7"))).isNull();
    }

    @Test
    void anEntryThatIsNeitherHostNorRangeIsExplained() {
        assertThatThrownBy(() -> new TargetGuard("10.0.0.0/99")).hasMessageContaining("webhook.ssrf.allow: '10.0.0.0/99'");
    }
}
