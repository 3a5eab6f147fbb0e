package io.regcred.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How much of a credential one reconcile looks at. A Namespace, ServiceAccount or Secret event
 * concerns one namespace: only that namespace is brought in line, however many the credential
 * targets. Whatever concerns every namespace — a new spec, a new credential content, a due retry —
 * is a full pass, and so is the first pass after start-up and one every {@link #FULL_PASS_EVERY},
 * which bounds how long anything missed can stay wrong. A due retry looks again at what failed.
 */
public sealed interface PassScope {

  /** The longest time between two full passes of a credential. */
  Duration FULL_PASS_EVERY = Duration.ofMinutes(10);

  /**
   * Above this many namespaces marked since the last pass, a full pass is as cheap and simpler to
   * reason about; it also bounds what the marks can hold.
   */
  int MAX_PARTIAL = 1_000;

  /** Whether this pass brings the namespace in line. */
  boolean includes(String namespace);

  /** Every target namespace, and every namespace holding one of the credential's Secrets. */
  record Full(String why) implements PassScope {
    @Override
    public boolean includes(String namespace) {
      return true;
    }
  }

  /** Only the namespaces events were seen for since the last pass. */
  record Partial(SortedSet<String> namespaces) implements PassScope {
    public Partial {
      namespaces = new TreeSet<>(namespaces);
    }

    @Override
    public boolean includes(String namespace) {
      return namespaces.contains(namespace);
    }
  }

  /**
   * What a full pass was made with: when the next one is due and which spec and credential content
   * it wrote. A pass made with anything else must be full.
   *
   * @param generation the credential's metadata.generation
   * @param content the fingerprint of the credential content written (empty: none was written)
   * @param at when the pass was made
   */
  record Basis(long generation, String content, Instant at) {}

  /**
   * The scope of the pass about to be made.
   *
   * @param last the basis of the last full pass, if any since start-up
   * @param current the basis this pass would have
   * @param due when a scheduled retry (a failed namespace, a conflict to recheck, a status write, a
   *     fetch) falls due, if any
   * @param marked namespaces events were seen for since the last pass
   * @param retrying namespaces a due retry is for: those left failing, and those a prune could not
   *     clear
   */
  static PassScope decide(
      Optional<Basis> last,
      Basis current,
      Optional<Instant> due,
      Set<String> marked,
      Set<String> retrying) {
    if (last.isEmpty()) {
      return new Full("first pass since start-up");
    }
    Basis before = last.get();
    if (before.generation() != current.generation()) {
      return new Full("the spec changed");
    }
    if (!before.content().equals(current.content())) {
      return new Full("the credential content changed");
    }
    if (!current.at().isBefore(before.at().plus(FULL_PASS_EVERY))) {
      return new Full("periodic full pass");
    }
    SortedSet<String> namespaces = new TreeSet<>(marked);
    if (due.isPresent() && !current.at().isBefore(due.get())) {
      // A retry needs only what failed: a blocked namespace is rechecked without a full pass.
      namespaces.addAll(retrying);
    }
    if (namespaces.size() > MAX_PARTIAL) {
      return new Full("events in " + namespaces.size() + " namespaces");
    }
    return new Partial(namespaces);
  }
}
