package io.tcpgate.admission;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ordered allow/deny rules: first match wins, nested blocks kept in the order written, IPv4 and IPv6. */
class AccessRulesTest {

  private static InetAddress ip(String literal) {
    return IpAddresses.normalize(IpAddresses.parse(literal));
  }

  @Test
  void theIssuesExample_firstMatchWins() {
    AccessRules rules = AccessRules.parse(List.of("deny 10.9.0.0/16", "allow 10.0.0.0/8", "allow ::1", "deny all"));
    assertThat(rules.allows(ip("10.9.3.4"))).as("inside the denied /16, although the /8 allows").isFalse();
    assertThat(rules.allows(ip("10.8.3.4"))).isTrue();
    assertThat(rules.allows(ip("10.10.0.1"))).isTrue();
    assertThat(rules.allows(ip("::1"))).isTrue();
    assertThat(rules.allows(ip("::2"))).isFalse();
    assertThat(rules.allows(ip("192.168.1.1"))).isFalse();
  }

  @Test
  void nestedRules_keepTheirOrder_whateverTheirSizes() {
    // a wide allow written before a narrow deny: the allow wins, the deny is never reached (no sorting by size)
    AccessRules wideFirst = AccessRules.parse(List.of("allow 10.0.0.0/8", "deny 10.9.0.0/16", "deny all"));
    assertThat(wideFirst.allows(ip("10.9.1.1"))).isTrue();
    // three levels: deny a /24 inside an allowed /16 inside a denied /8
    AccessRules nested = AccessRules.parse(List.of("deny 10.1.2.0/24", "allow 10.1.0.0/16", "deny 10.0.0.0/8"));
    assertThat(nested.allows(ip("10.1.2.200"))).isFalse();
    assertThat(nested.allows(ip("10.1.3.1"))).isTrue();
    assertThat(nested.allows(ip("10.2.0.1"))).isFalse();
    assertThat(nested.allows(ip("11.0.0.1"))).as("no rule matches: allowed").isTrue();
  }

  @Test
  void anIpv4ClientOnADualStackSocket_isMatchedByIpv4Rules() {
    AccessRules rules = AccessRules.parse(List.of("allow 127.0.0.0/8", "deny all"));
    InetAddress mapped = ip("::ffff:127.0.0.1");
    assertThat(mapped.getAddress()).hasSize(4);
    assertThat(rules.allows(mapped)).isTrue();
    assertThat(rules.allows(ip("::ffff:10.0.0.1"))).isFalse();
  }

  @Test
  void ipv6Blocks_matchIpv6Only() {
    AccessRules rules = AccessRules.parse(List.of("deny 2001:db8::/32", "allow ::/0", "deny all"));
    assertThat(rules.allows(ip("2001:db8:1::5"))).isFalse();
    assertThat(rules.allows(ip("2001:db9::5"))).isTrue();
    assertThat(rules.allows(ip("10.0.0.1"))).as("::/0 is IPv6 only").isFalse();
  }

  @Test
  void prefixesThatAreNotByteAligned() {
    AccessRules rules = AccessRules.parse(List.of("allow 192.168.4.0/22", "deny all"));
    assertThat(rules.allows(ip("192.168.7.255"))).isTrue();
    assertThat(rules.allows(ip("192.168.8.0"))).isFalse();
    assertThat(rules.allows(ip("192.168.3.255"))).isFalse();
  }

  @Test
  void badRules_areRejectedWithTheirIndexAndReason() {
    assertThatThrownBy(() -> AccessRules.parse(List.of("allow all", "permit 10.0.0.0/8")))
      .hasMessageContaining("[1]").hasMessageContaining("allow or deny");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny 10.1.2.3/8")))
      .hasMessageContaining("[0]").hasMessageContaining("10.0.0.0/8");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny 10.0.0.0/33"))).hasMessageContaining("0 to 32");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny example.com"))).hasMessageContaining("not an IP");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny ::ffff:10.0.0.0/104")))
      .hasMessageContaining("write it as IPv4");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny"))).hasMessageContaining("allow|deny");
  }
}
