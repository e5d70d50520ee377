package io.tcpgate.admission;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The admission decisions, with a clock the test drives: limits, rates, rules, tickets and the client table. */
class AdmissionTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(100 * SECOND);

  private static InetAddress ip(String literal) {
    return IpAddresses.parse(literal);
  }

  private static AdmissionPolicy policy(int max, int perIp, RateLimit ratePerIp, RateLimit rate, List<String> rules,
                                        int tracked) {
    return new AdmissionPolicy(max, perIp, ratePerIp, rate, AccessRules.parse(rules), RefuseAction.RESET, tracked,
      null);
  }

  private Admission admission(AdmissionPolicy policy) {
    return new Admission(policy, new ConnectionBudget(ConnectionBudget.UNLIMITED), clock::get);
  }

  @Test
  void theNPlusFirstConnection_isRefused_andAReleaseMakesRoom() {
    Admission admission = admission(policy(3, 0, null, null, List.of(), 10));
    List<Admission.Ticket> tickets = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Admission.Verdict verdict = admission.onAccept(ip("127.0.0.1"));
      assertThat(verdict.admitted()).isTrue();
      tickets.add(verdict.ticket());
    }
    assertThat(admission.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS);
    tickets.get(1).release();
    tickets.get(1).release();
    assertThat(admission.open()).as("a second release changes nothing").isEqualTo(2);
    assertThat(admission.onAccept(ip("127.0.0.1")).admitted()).isTrue();
    assertThat(admission.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS);
  }

  @Test
  void perIpLimits_countEachAddressApart_andForgetAnAddressWhenItsLastConnectionCloses() {
    Admission admission = admission(policy(0, 2, null, null, List.of(), 10));
    Admission.Ticket a1 = admission.onAccept(ip("127.0.0.1")).ticket();
    Admission.Ticket a2 = admission.onAccept(ip("127.0.0.1")).ticket();
    assertThat(admission.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS_PER_IP);
    Admission.Ticket b1 = admission.onAccept(ip("127.0.0.2")).ticket();
    assertThat(b1).isNotNull();
    assertThat(admission.openFrom(ip("127.0.0.1"))).isEqualTo(2);
    assertThat(admission.open()).as("the refused one holds nothing").isEqualTo(3);
    a1.release();
    assertThat(admission.onAccept(ip("127.0.0.1")).admitted()).isTrue();
    assertThat(admission.trackedClients()).isEqualTo(2);
    b1.release();
    assertThat(admission.trackedClients()).as("127.0.0.2 has nothing open and no rate to remember").isEqualTo(1);
    a2.release();
  }

  @Test
  void anIpv4ClientOnADualStackSocket_countsAsTheSameAddress() {
    Admission admission = admission(policy(0, 1, null, null, List.of(), 10));
    assertThat(admission.onAccept(ip("::ffff:127.0.0.1")).admitted()).isTrue();
    assertThat(admission.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS_PER_IP);
  }

  @Test
  void connectRates_perListenerAndPerAddress() {
    Admission admission = admission(policy(0, 0, new RateLimit(1, 2), new RateLimit(10, 3), List.of(), 10));
    assertThat(admission.onAccept(ip("10.0.0.1")).admitted()).isTrue();
    assertThat(admission.onAccept(ip("10.0.0.1")).admitted()).isTrue();
    assertThat(admission.onAccept(ip("10.0.0.1")).refusal()).as("10.0.0.1's burst of 2 is spent")
      .isEqualTo(RefusalReason.CONNECT_RATE);
    assertThat(admission.onAccept(ip("10.0.0.2")).admitted()).as("the listener's third token").isTrue();
    assertThat(admission.onAccept(ip("10.0.0.3")).refusal()).as("the listener's burst of 3 is spent")
      .isEqualTo(RefusalReason.CONNECT_RATE);
    clock.addAndGet(SECOND / 10);
    assertThat(admission.onAccept(ip("10.0.0.1")).refusal()).as("the listener refilled one, 10.0.0.1 has none")
      .isEqualTo(RefusalReason.CONNECT_RATE);
    assertThat(admission.onAccept(ip("10.0.0.3")).admitted()).isTrue();
    clock.addAndGet(SECOND);
    assertThat(admission.onAccept(ip("10.0.0.1")).admitted()).isTrue();
  }

  @Test
  void aClientRefusedByItsOwnRate_doesNotSpendTheListenersRate() {
    Admission admission = admission(policy(0, 0, new RateLimit(1, 1), new RateLimit(1, 2), List.of(), 10));
    assertThat(admission.onAccept(ip("10.0.0.1")).admitted()).isTrue();
    for (int i = 0; i < 5; i++) {
      assertThat(admission.onAccept(ip("10.0.0.1")).refusal()).isEqualTo(RefusalReason.CONNECT_RATE);
    }
    assertThat(admission.onAccept(ip("10.0.0.2")).admitted()).as("the listener's second token is left").isTrue();
  }

  @Test
  void anAddressWhoseBucketIsRefilling_isRemembered_soClosingEverythingDoesNotResetItsRate() {
    Admission admission = admission(policy(0, 0, new RateLimit(1, 1), null, List.of(), 10));
    admission.onAccept(ip("10.0.0.1")).ticket().release();
    assertThat(admission.trackedClients()).isEqualTo(1);
    assertThat(admission.onAccept(ip("10.0.0.1")).refusal()).isEqualTo(RefusalReason.CONNECT_RATE);
    clock.addAndGet(2 * SECOND);
    assertThat(admission.onAccept(ip("10.0.0.9")).admitted()).as("a later decision sweeps refilled entries").isTrue();
    assertThat(admission.trackedClients()).as("10.0.0.1 refilled and is forgotten; 10.0.0.9 is open").isEqualTo(1);
  }

  @Test
  void aFullClientTable_refusesNewAddresses_ratherThanGrowing_andShrinksAsConnectionsClose() {
    Admission admission = admission(policy(0, 5, null, null, List.of(), 3));
    List<Admission.Ticket> tickets = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      tickets.add(admission.onAccept(ip("10.0.0." + i)).ticket());
    }
    assertThat(admission.onAccept(ip("10.0.0.4")).refusal()).isEqualTo(RefusalReason.IP_TABLE_FULL);
    assertThat(admission.onAccept(ip("10.0.0.1")).admitted()).as("a tracked address still gets in").isTrue();
    assertThat(admission.trackedClients()).isEqualTo(3);
    tickets.get(2).release();
    assertThat(admission.trackedClients()).isEqualTo(2);
    assertThat(admission.onAccept(ip("10.0.0.4")).admitted()).isTrue();
  }

  @Test
  void rules_areCheckedFirst_andSpendNothing() {
    Admission admission = admission(policy(1, 1, new RateLimit(1, 1), new RateLimit(1, 1),
      List.of("deny 10.9.0.0/16", "allow 10.0.0.0/8", "deny all"), 10));
    for (int i = 0; i < 3; i++) {
      assertThat(admission.onAccept(ip("10.9.0.1")).refusal()).isEqualTo(RefusalReason.RULE);
      assertThat(admission.onAccept(ip("192.168.0.1")).refusal()).isEqualTo(RefusalReason.RULE);
    }
    assertThat(admission.trackedClients()).isZero();
    assertThat(admission.onAccept(ip("10.1.0.1")).admitted()).as("no token was spent by denied clients").isTrue();
  }

  @Test
  void theProcessBudget_isSharedByListeners() {
    ConnectionBudget budget = new ConnectionBudget(2);
    Admission first = new Admission(policy(0, 0, null, null, List.of(), 10), budget, clock::get);
    Admission second = new Admission(policy(0, 0, null, null, List.of(), 10), budget, clock::get);
    Admission.Ticket ticket = first.onAccept(ip("127.0.0.1")).ticket();
    assertThat(second.onAccept(ip("127.0.0.1")).admitted()).isTrue();
    assertThat(first.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS);
    assertThat(second.onAccept(ip("127.0.0.1")).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS);
    ticket.release();
    assertThat(budget.open()).isEqualTo(1);
    assertThat(second.onAccept(ip("127.0.0.1")).admitted()).isTrue();
  }

  @Test
  void throughAProxy_theAcceptStepChecksTrustAndListenerLimits_theClientStepRulesAndPerAddressLimits() {
    AdmissionPolicy proxied = policy(2, 1, null, null, List.of("deny 10.9.0.0/16", "allow all"), 10)
      .withTrustedProxies(List.of(Cidr.parse("127.0.0.1")));
    Admission admission = admission(proxied);
    assertThat(admission.onAccept(ip("127.0.0.2")).refusal()).isEqualTo(RefusalReason.UNTRUSTED_PROXY);
    assertThat(admission.open()).isZero();

    Admission.Ticket first = admission.onAccept(ip("127.0.0.1")).ticket();
    assertThat(admission.openFrom(ip("127.0.0.1"))).as("the proxy is not counted as a client").isZero();
    assertThat(admission.onClient(ip("10.0.0.1"), first).admitted()).isTrue();

    Admission.Ticket second = admission.onAccept(ip("127.0.0.1")).ticket();
    assertThat(admission.onClient(ip("10.0.0.1"), second).refusal()).isEqualTo(RefusalReason.MAX_CONNECTIONS_PER_IP);
    assertThat(admission.onAccept(ip("127.0.0.1")).refusal()).as("the refused one holds its listener slot until"
      + " it closes").isEqualTo(RefusalReason.MAX_CONNECTIONS);
    second.release();

    Admission.Ticket third = admission.onAccept(ip("127.0.0.1")).ticket();
    assertThat(admission.onClient(ip("10.9.0.7"), third).refusal()).isEqualTo(RefusalReason.RULE);
    third.release();
    first.release();
    assertThat(admission.open()).isZero();
    assertThat(admission.trackedClients()).isZero();
  }

  @Test
  void ticketsReleasedFromManyThreads_balanceExactly() throws Exception {
    Admission admission = admission(policy(0, 1_000_000, null, null, List.of(), 100));
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String address = "10.0.0." + (t + 1);
      threads.add(new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          Admission.Ticket ticket = admission.onAccept(ip(address)).ticket();
          ticket.release();
          ticket.release();
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(admission.open()).isZero();
    assertThat(admission.trackedClients()).isZero();
  }
}
