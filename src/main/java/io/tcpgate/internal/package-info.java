/**
 * The only place where tcpgate touches Vert.x's implementation classes ({@code io.vertx.*.impl.*} and
 * {@code io.vertx.core.internal.*}). Each class here wraps one such use behind a small tcpgate method, and
 * {@link io.tcpgate.internal.VertxInternals#check()} verifies at startup that the running Vert.x still offers every
 * class, method and field they need, so that a Vert.x upgrade that changes them fails fast with one clear message
 * instead of misbehaving under traffic. {@code InternalsQuarantineTest} fails the build when code outside this
 * package imports an implementation class.
 */
package io.tcpgate.internal;
