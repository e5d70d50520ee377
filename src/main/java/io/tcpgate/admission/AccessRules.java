package io.tcpgate.admission;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An ordered list of {@code allow} and {@code deny} rules, EMQX's syntax: {@code "deny 10.9.0.0/16"},
 * {@code "allow 10.0.0.0/8"}, {@code "allow ::1"}, {@code "deny all"}. The first rule that matches a client's address
 * decides; when none matches the client is allowed (end the list with {@code "deny all"} to allow only what is
 * listed). Rules are kept in the order written: a narrow rule before a wider one wins, whatever their sizes.
 */
public final class AccessRules {

  /** No rules: everyone is allowed. */
  public static final AccessRules ALLOW_ALL = new AccessRules(List.of());

  private record Rule(boolean allow, Cidr block, String text) {
  }

  private final List<Rule> rules;

  private AccessRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Parses the rules in order.
   *
   * @throws IllegalArgumentException naming the rule's index and what is wrong with it
   */
  public static AccessRules parse(List<String> texts) {
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      String[] words = text.trim().split("\\s+");
      if (words.length != 2) {
        throw new IllegalArgumentException("[" + i + "] '" + text + "' must be \"allow|deny ADDRESS[/PREFIX]\" or"
          + " \"allow|deny all\"");
      }
      boolean allow;
      switch (words[0]) {
        case "allow":
          allow = true;
          break;
        case "deny":
          allow = false;
          break;
        default:
          throw new IllegalArgumentException("[" + i + "] '" + text + "' must start with allow or deny");
      }
      Cidr block;
      if (words[1].toLowerCase(Locale.ROOT).equals("all")) {
        block = null;
      } else {
        try {
          block = Cidr.parse(words[1]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("[" + i + "] " + e.getMessage());
        }
      }
      rules.add(new Rule(allow, block, text.trim()));
    }
    return new AccessRules(rules);
  }

  /** Whether {@code client} (already {@link IpAddresses#normalize normalized}) is allowed. */
  public boolean allows(InetAddress client) {
    for (Rule rule : rules) {
      if (rule.block == null || rule.block.contains(client)) {
        return rule.allow;
      }
    }
    return true;
  }

  /** Whether there are no rules. */
  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** The rules as written, in order. */
  public List<String> texts() {
    return rules.stream().map(Rule::text).toList();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AccessRules && ((AccessRules) other).texts().equals(texts());
  }

  @Override
  public int hashCode() {
    return texts().hashCode();
  }

  @Override
  public String toString() {
    return texts().toString();
  }
}
