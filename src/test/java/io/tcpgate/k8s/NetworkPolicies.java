package io.tcpgate.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.tcpgate.testing.Yamls.map;
import static io.tcpgate.testing.Yamls.maps;
import static io.tcpgate.testing.Yamls.name;
import static io.tcpgate.testing.Yamls.spec;
import static io.tcpgate.testing.Yamls.strings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a set of NetworkPolicies lets reach one pod, read as Kubernetes reads them: a pod selected by some policy with
 * {@code Ingress} among its {@code policyTypes} accepts only what the ingress rules of those policies allow (their
 * union); a rule without {@code from} admits every source, a rule without {@code ports} every port. Named ports are
 * resolved against the pod's container ports (a name the pod lacks admits nothing there). Selectors with
 * {@code matchExpressions} fail the test rather than being half understood.
 */
public final class NetworkPolicies {

  private NetworkPolicies() {
  }

  /** One ingress rule admitting a port: the policy it is in, and its {@code from} peers (empty: any source). */
  public record Rule(String policy, List<Map<String, Object>> from) {

    /** No {@code from}: any source, inside or outside the cluster. */
    public boolean fromAnywhere() {
      return from.isEmpty();
    }

    /** Every peer is a pod or namespace selector: no {@code ipBlock}, and {@code from} is not empty. */
    public boolean fromInsideTheClusterOnly() {
      return !from.isEmpty() && from.stream().allMatch(p -> !p.containsKey("ipBlock")
        && (p.containsKey("podSelector") || p.containsKey("namespaceSelector")));
    }

    /**
     * Every peer is a {@code podSelector} alone (so: pods of the policy's own namespace) with labels, none of them
     * empty (which would be every pod of the namespace).
     */
    public boolean fromLabelledPodsOfTheNamespaceOnly() {
      return !from.isEmpty() && from.stream().allMatch(p -> p.keySet().equals(java.util.Set.of("podSelector"))
        && !matchLabels(p.get("podSelector"), "podSelector").isEmpty());
    }

    /** The {@code matchLabels} of every peer's {@code podSelector}. */
    public List<Map<String, Object>> podSelectors() {
      return from.stream().filter(p -> p.containsKey("podSelector"))
        .map(p -> matchLabels(p.get("podSelector"), "podSelector")).toList();
    }
  }

  /** The policies among {@code policies} whose {@code podSelector} selects a pod labelled {@code podLabels}. */
  public static List<Map<String, Object>> selecting(List<Map<String, Object>> policies, Map<String, Object> podLabels) {
    return policies.stream()
      .filter(p -> selects(matchLabels(spec(p).get("podSelector"), "NetworkPolicy " + name(p) + " podSelector"),
        podLabels))
      .toList();
  }

  /**
   * Port number -> the rules admitting it, for a pod labelled {@code podLabels} with {@code namedPorts} (container
   * port name -> number). Fails if no policy isolates the pod for ingress, or if a rule names no port (it would
   * admit every port).
   */
  public static Map<Integer, List<Rule>> ingress(List<Map<String, Object>> policies, Map<String, Object> podLabels,
                                                 Map<String, Integer> namedPorts) {
    List<Map<String, Object>> selecting = selecting(policies, podLabels);
    assertThat(selecting).as("NetworkPolicies selecting the pods labelled " + podLabels).isNotEmpty();
    assertThat(selecting).as("a NetworkPolicy selecting the pods with Ingress in policyTypes (else they accept"
      + " everything)").anyMatch(p -> strings(spec(p).getOrDefault("policyTypes", List.of("Ingress")))
      .contains("Ingress"));
    Map<Integer, List<Rule>> admitted = new TreeMap<>();
    for (Map<String, Object> policy : selecting) {
      String where = "NetworkPolicy " + name(policy);
      for (Map<String, Object> rule : maps(spec(policy).get("ingress"), where + " ingress")) {
        List<Map<String, Object>> ports = maps(rule.get("ports"), where + " ingress ports");
        assertThat(ports).as(where + ": an ingress rule without ports admits every port of the pod").isNotEmpty();
        Rule r = new Rule(name(policy), maps(rule.get("from"), where + " ingress from"));
        for (Map<String, Object> port : ports) {
          assertThat(port.getOrDefault("protocol", "TCP")).as(where + " port protocol").isEqualTo("TCP");
          assertThat(port).as(where + ": port ranges (endPort)").doesNotContainKey("endPort");
          Object p = port.get("port");
          assertThat(p).as(where + ": a port entry without port admits every port").isNotNull();
          Integer number = p instanceof Number n ? Integer.valueOf(n.intValue()) : namedPorts.get(String.valueOf(p));
          if (number != null) {
            admitted.computeIfAbsent(number, n -> new ArrayList<>()).add(r);
          }
        }
      }
    }
    return admitted;
  }

  /** {@code matchLabels} of a label selector; {@code matchExpressions} fail the test. */
  public static Map<String, Object> matchLabels(Object selector, String what) {
    Map<String, Object> s = map(selector == null ? Map.of() : selector, what);
    assertThat(s.keySet()).as(what + ": this test reads matchLabels only").isSubsetOf("matchLabels");
    Object labels = s.get("matchLabels");
    return labels == null ? Map.of() : new TreeMap<>(map(labels, what + ".matchLabels"));
  }

  /** Whether {@code matchLabels} selects labels {@code labels} (an empty selector selects every pod). */
  public static boolean selects(Map<String, Object> matchLabels, Map<String, Object> labels) {
    return labels.entrySet().containsAll(matchLabels.entrySet());
  }
}
