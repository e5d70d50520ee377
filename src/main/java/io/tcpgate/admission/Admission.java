package io.tcpgate.admission;

import java.net.InetAddress;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Decides, for one listener, which connections may stay, before any per-connection state exists. Shared by the
 * listener's NetServer instances, so thread-safe (one lock; a decision takes well under a microsecond).
 *
 * <p>Two steps, like HAProxy's {@code tcp-request connection} and {@code tcp-request session}:
 * <ol>
 *   <li>{@link #onAccept} with the peer's address, as the connection is accepted. Without the PROXY protocol this is
 *       every check. With it, the peer is a load balancer: it must be a trusted proxy, and only the listener's own
 *       limits apply ({@code connectRate}, {@code maxConnections} and the process's budget).</li>
 *   <li>{@link #onClient} with the client's address from the PROXY header: the rules and the per-address limits.</li>
 * </ol>
 * Order of the checks: rules, the client's connect rate, the listener's connect rate, the listener's and the
 * process's connection counts, the client's connection count. Every attempt that passes the rules spends a token
 * of each rate it reaches, whether or not a later check refuses it: a client retrying against a full listener
 * exhausts its own rate, not everyone's.
 */
public final class Admission {

  /**
   * What an admitted connection holds. Released exactly once, when the connection's channel closes, whatever closed
   * it; releasing again does nothing.
   */
  public final class Ticket {

    private InetAddress client;
    private boolean released;

    private Ticket() {
    }

    /** Gives back what this connection counted for. */
    public void release() {
      synchronized (Admission.this) {
        if (released) {
          return;
        }
        released = true;
        open--;
        budget.release();
        if (client != null) {
          clients.closed(client, clock.getAsLong());
        }
      }
    }
  }

  /** A decision: a ticket, or the reason for refusing. */
  public record Verdict(Ticket ticket, RefusalReason refusal) {

    /** Whether the connection may stay. */
    public boolean admitted() {
      return ticket != null;
    }
  }

  private final ConnectionBudget budget;
  private final LongSupplier clock;
  private volatile AdmissionPolicy policy;
  private ClientTable clients;
  private TokenBucket rate;
  private int open;

  /**
   * @param budget the process's connection budget, shared with the other listeners
   * @param clock  {@link System#nanoTime} except in tests
   */
  public Admission(AdmissionPolicy policy, ConnectionBudget budget, LongSupplier clock) {
    this.budget = budget;
    this.clock = clock;
    long now = clock.getAsLong();
    this.clients = policy.perClient() ? new ClientTable(policy.maxTrackedIps(), policy.connectRatePerIp(), now) : null;
    this.rate = policy.connectRate() == null ? null : new TokenBucket(policy.connectRate(), now);
    this.policy = policy;
  }

  /**
   * Applies {@code next} from the next connection on (a reload). The counts of open connections carry over: the
   * listener's count always, the per-address counts for the connections opened while per-address limits were on.
   * A changed rate starts with a full bucket.
   */
  public synchronized void update(AdmissionPolicy next) {
    long now = clock.getAsLong();
    if (!Objects.equals(next.connectRate(), policy.connectRate())) {
      rate = next.connectRate() == null ? null : new TokenBucket(next.connectRate(), now);
    }
    if (next.perClient()) {
      if (clients == null) {
        clients = new ClientTable(next.maxTrackedIps(), next.connectRatePerIp(), now);
      } else {
        clients.reconfigure(next.maxTrackedIps(), next.connectRatePerIp(), now);
      }
    }
    policy = next;
  }

  /**
   * Whether this admission lets everyone in and counts nothing that could refuse anyone: no limit, rate, rule or
   * proxy check, and no process limit. Such a listener skips admission altogether.
   */
  public boolean admitsEveryone() {
    return policy.admitsEveryone() && budget.unlimited();
  }

  /** The policy this admission applies. */
  public AdmissionPolicy policy() {
    return policy;
  }

  /**
   * Step one, as the connection is accepted from {@code peer}. With the PROXY protocol, {@link #onClient} must follow
   * once the header names the client.
   */
  public synchronized Verdict onAccept(InetAddress peer) {
    InetAddress address = IpAddresses.normalize(peer);
    if (policy.proxied()) {
      if (!trusted(address)) {
        return refuse(RefusalReason.UNTRUSTED_PROXY);
      }
      return admitListener(clock.getAsLong());
    }
    return admit(address);
  }

  /**
   * Step two for a connection through a trusted proxy: the rules and per-address limits for {@code client}, the
   * address its PROXY header names. On refusal {@code ticket} keeps what step one counted until the connection
   * closes, as it does on every close.
   */
  public synchronized Verdict onClient(InetAddress client, Ticket ticket) {
    InetAddress address = IpAddresses.normalize(client);
    long now = clock.getAsLong();
    if (!policy.rules().allows(address)) {
      return refuse(RefusalReason.RULE);
    }
    if (!policy.perClient()) {
      return new Verdict(ticket, null);
    }
    ClientTable.Entry entry = clients.entry(address, now);
    RefusalReason refused = clientRefusal(entry, now);
    if (refused == null) {
      refused = countForClient(entry, address, ticket);
    }
    return refused == null ? new Verdict(ticket, null) : refuse(refused);
  }

  private Verdict admit(InetAddress address) {
    long now = clock.getAsLong();
    if (!policy.rules().allows(address)) {
      return refuse(RefusalReason.RULE);
    }
    ClientTable.Entry entry = null;
    if (policy.perClient()) {
      entry = clients.entry(address, now);
      RefusalReason refused = clientRefusal(entry, now);
      if (refused != null) {
        return refuse(refused);
      }
    }
    Verdict listener = admitListener(now);
    if (!listener.admitted()) {
      if (entry != null) {
        clients.dropIfIdle(address, now);
      }
      return listener;
    }
    if (entry != null) {
      RefusalReason refused = countForClient(entry, address, listener.ticket());
      if (refused != null) {
        listener.ticket().release();
        return refuse(refused);
      }
    }
    return listener;
  }

  /** Why the client's entry refuses a connection (no room to track it, or its rate spent), or {@code null}. */
  private static RefusalReason clientRefusal(ClientTable.Entry entry, long now) {
    if (entry == null) {
      return RefusalReason.IP_TABLE_FULL;
    }
    return entry.bucket != null && !entry.bucket.tryTake(now) ? RefusalReason.CONNECT_RATE : null;
  }

  /** Counts the connection on {@code ticket} for its client, or says why the client's limit refuses it. */
  private RefusalReason countForClient(ClientTable.Entry entry, InetAddress address, Ticket ticket) {
    if (policy.maxConnectionsPerIp() != AdmissionPolicy.UNLIMITED && entry.open >= policy.maxConnectionsPerIp()) {
      return RefusalReason.MAX_CONNECTIONS_PER_IP;
    }
    entry.open++;
    ticket.client = address;
    return null;
  }

  private Verdict admitListener(long now) {
    if (rate != null && !rate.tryTake(now)) {
      return refuse(RefusalReason.CONNECT_RATE);
    }
    if (policy.maxConnections() != AdmissionPolicy.UNLIMITED && open >= policy.maxConnections()) {
      return refuse(RefusalReason.MAX_CONNECTIONS);
    }
    if (!budget.tryAcquire()) {
      return refuse(RefusalReason.MAX_CONNECTIONS);
    }
    open++;
    return new Verdict(new Ticket(), null);
  }

  private boolean trusted(InetAddress peer) {
    for (Cidr block : policy.trustedProxies()) {
      if (block.contains(peer)) {
        return true;
      }
    }
    return false;
  }

  private static Verdict refuse(RefusalReason reason) {
    return new Verdict(null, reason);
  }

  /** Connections this listener holds tickets for. */
  public synchronized int open() {
    return open;
  }

  /** Connections open from {@code client}, as the per-address limit counts them (0 without per-address limits). */
  public synchronized int openFrom(InetAddress client) {
    return clients == null ? 0 : clients.open(IpAddresses.normalize(client));
  }

  /** Client addresses tracked now (0 without per-address limits). */
  public synchronized int trackedClients() {
    return clients == null ? 0 : clients.size();
  }
}
