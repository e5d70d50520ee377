package io.tcpgate.connection;

import io.tcpgate.bus.GatewayHeaders;
import io.vertx.core.MultiMap;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The headers of one request, as a {@link MultiMap} that costs one small object per frame: the connection's headers
 * (id, listener, addresses, TLS identity) are shared, and the frame's sequence number and deadline are turned into
 * strings only when read. A handler that changes the headers gets an ordinary map at its first change, holding the
 * same entries. Names match case-insensitively, like Vert.x's own headers.
 */
final class RequestHeaders implements MultiMap {

  /** The headers every request of one connection carries with the same values; built once per connection. */
  static final class Shared {

    private final String[] names;
    private final String[] values;

    Shared(List<String> names, List<String> values) {
      this.names = names.toArray(new String[0]);
      this.values = values.toArray(new String[0]);
    }
  }

  private final Shared shared;
  private final long sequence;
  private final long deadline;
  private String sequenceText;
  private String deadlineText;
  private MultiMap changed;

  RequestHeaders(Shared shared, long sequence, long deadline) {
    this.shared = shared;
    this.sequence = sequence;
    this.deadline = deadline;
  }

  private String sequenceText() {
    String text = sequenceText;
    if (text == null) {
      text = sequenceText = Long.toString(sequence);
    }
    return text;
  }

  private String deadlineText() {
    String text = deadlineText;
    if (text == null) {
      text = deadlineText = Long.toString(deadline);
    }
    return text;
  }

  private String lookup(String name) {
    for (int i = 0; i < shared.names.length; i++) {
      if (shared.names[i].equalsIgnoreCase(name)) {
        return shared.values[i];
      }
    }
    if (GatewayHeaders.SEQUENCE.equalsIgnoreCase(name)) {
      return sequenceText();
    }
    if (GatewayHeaders.DEADLINE.equalsIgnoreCase(name)) {
      return deadlineText();
    }
    return null;
  }

  private List<Map.Entry<String, String>> list() {
    List<Map.Entry<String, String>> entries = new ArrayList<>(shared.names.length + 2);
    for (int i = 0; i < shared.names.length; i++) {
      entries.add(new AbstractMap.SimpleImmutableEntry<>(shared.names[i], shared.values[i]));
    }
    entries.add(new AbstractMap.SimpleImmutableEntry<>(GatewayHeaders.SEQUENCE, sequenceText()));
    entries.add(new AbstractMap.SimpleImmutableEntry<>(GatewayHeaders.DEADLINE, deadlineText()));
    return entries;
  }

  private MultiMap changing() {
    if (changed == null) {
      changed = MultiMap.caseInsensitiveMultiMap();
      for (Map.Entry<String, String> entry : list()) {
        changed.add(entry.getKey(), entry.getValue());
      }
    }
    return changed;
  }

  @Override
  public String get(CharSequence name) {
    return get(name.toString());
  }

  @Override
  public String get(String name) {
    return changed != null ? changed.get(name) : lookup(name);
  }

  @Override
  public List<String> getAll(String name) {
    if (changed != null) {
      return changed.getAll(name);
    }
    String value = lookup(name);
    return value == null ? List.of() : List.of(value);
  }

  @Override
  public List<String> getAll(CharSequence name) {
    return getAll(name.toString());
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    return changed != null ? changed.entries() : list();
  }

  @Override
  public Iterator<Map.Entry<String, String>> iterator() {
    return entries().iterator();
  }

  @Override
  public boolean contains(String name) {
    return get(name) != null;
  }

  @Override
  public boolean contains(CharSequence name) {
    return contains(name.toString());
  }

  @Override
  public boolean isEmpty() {
    return changed != null ? changed.isEmpty() : false;
  }

  @Override
  public Set<String> names() {
    if (changed != null) {
      return changed.names();
    }
    Set<String> names = new LinkedHashSet<>();
    for (Map.Entry<String, String> entry : list()) {
      names.add(entry.getKey());
    }
    return names;
  }

  @Override
  public int size() {
    return changed != null ? changed.size() : shared.names.length + 2;
  }

  @Override
  public MultiMap add(String name, String value) {
    changing().add(name, value);
    return this;
  }

  @Override
  public MultiMap add(CharSequence name, CharSequence value) {
    changing().add(name, value);
    return this;
  }

  @Override
  public MultiMap add(String name, Iterable<String> values) {
    changing().add(name, values);
    return this;
  }

  @Override
  public MultiMap add(CharSequence name, Iterable<CharSequence> values) {
    changing().add(name, values);
    return this;
  }

  @Override
  public MultiMap addAll(MultiMap map) {
    changing().addAll(map);
    return this;
  }

  @Override
  public MultiMap addAll(Map<String, String> headers) {
    changing().addAll(headers);
    return this;
  }

  @Override
  public MultiMap set(String name, String value) {
    changing().set(name, value);
    return this;
  }

  @Override
  public MultiMap set(CharSequence name, CharSequence value) {
    changing().set(name, value);
    return this;
  }

  @Override
  public MultiMap set(String name, Iterable<String> values) {
    changing().set(name, values);
    return this;
  }

  @Override
  public MultiMap set(CharSequence name, Iterable<CharSequence> values) {
    changing().set(name, values);
    return this;
  }

  @Override
  public MultiMap setAll(MultiMap map) {
    changing().setAll(map);
    return this;
  }

  @Override
  public MultiMap setAll(Map<String, String> headers) {
    changing().setAll(headers);
    return this;
  }

  @Override
  public MultiMap remove(String name) {
    changing().remove(name);
    return this;
  }

  @Override
  public MultiMap remove(CharSequence name) {
    changing().remove(name);
    return this;
  }

  @Override
  public MultiMap clear() {
    changing().clear();
    return this;
  }

  @Override
  public boolean isMutable() {
    return true;
  }

  @Override
  public MultiMap copy(boolean mutable) {
    return changing().copy(mutable);
  }

  @Override
  public String toString() {
    return entries().toString();
  }
}
