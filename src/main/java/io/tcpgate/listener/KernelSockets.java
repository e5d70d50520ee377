package io.tcpgate.listener;

import io.tcpgate.config.HostPort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the kernel says is listening: reads {@code /proc/net/tcp} and {@code /proc/net/tcp6} (Linux only).
 * Used to log, and to check, what a listener really bound.
 */
public final class KernelSockets {

  private static final String LISTEN_STATE = "0A";

  private KernelSockets() {
  }

  /** One listening socket as the kernel lists it. */
  public record Listening(String table, String address, int port) {

    /** Whether this is an AF_INET6 socket. */
    public boolean ipv6Socket() {
      return table.equals("tcp6");
    }

    @Override
    public String toString() {
      return table + " " + HostPort.format(address, port);
    }
  }

  /** Whether the kernel tables can be read on this system. */
  public static boolean available() {
    return Files.isReadable(Path.of("/proc/net/tcp"));
  }

  /** Every listening socket on {@code port}, from both tables. */
  public static List<Listening> listening(int port) {
    List<Listening> result = new ArrayList<>();
    read(Path.of("/proc/net/tcp"), "tcp", port, result);
    read(Path.of("/proc/net/tcp6"), "tcp6", port, result);
    return result;
  }

  /** The kernel's {@code net.ipv6.bindv6only} switch, or -1 when it cannot be read. */
  public static int bindV6Only() {
    try {
      return Integer.parseInt(String.join("", Files.readAllLines(Path.of("/proc/sys/net/ipv6/bindv6only"))).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private static void read(Path file, String table, int port, List<Listening> out) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return;
    }
    for (int i = 1; i < lines.size(); i++) {
      String[] fields = lines.get(i).trim().split("\\s+");
      if (fields.length < 4 || !LISTEN_STATE.equals(fields[3])) {
        continue;
      }
      String local = fields[1];
      int colon = local.lastIndexOf(':');
      int localPort = Integer.parseInt(local.substring(colon + 1), 16);
      if (localPort == port) {
        out.add(new Listening(table, decode(local.substring(0, colon)), localPort));
      }
    }
  }

  /** Decodes the kernel's hex address: 32-bit words in host (little-endian) order. */
  static String decode(String hex) {
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int b = 0; b < 4; b++) {
        int at = (word * 4 + 3 - b) * 2;
        bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    if (bytes.length == 4) {
      return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    }
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= bytes[i] == 0;
    }
    mapped &= (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
    if (mapped) {
      return "::ffff:" + (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "."
        + (bytes[15] & 0xff);
    }
    try {
      String text = java.net.InetAddress.getByAddress(bytes).getHostAddress();
      return compress(text.toLowerCase(Locale.ROOT));
    } catch (java.net.UnknownHostException e) {
      return hex;
    }
  }

  private static String compress(String full) {
    String[] groups = full.split(":");
    int bestStart = -1;
    int bestLength = 0;
    for (int i = 0; i < groups.length; i++) {
      int j = i;
      while (j < groups.length && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
    }
    if (bestLength < 2) {
      return full;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
    String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    return head + "::" + tail;
  }
}
