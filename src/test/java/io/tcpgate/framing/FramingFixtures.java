package io.tcpgate.framing;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** Helpers shared by the framing tests: readable wire fixtures and a recording sink. */
final class FramingFixtures {

  private FramingFixtures() {
  }

  /** Parses whitespace-separated hex, e.g. {@code bytes("00 00 00 05 68 65 6c 6c 6f")}. */
  static Buffer bytes(String hex) {
    String digits = hex.replaceAll("\\s+", "");
    if (digits.length() % 2 != 0) {
      throw new IllegalArgumentException("odd hex fixture: " + hex);
    }
    byte[] out = new byte[digits.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
    }
    return Buffer.buffer(out);
  }

  /** Latin-1 text as bytes, so "\r\n" etc. map one char to one byte. */
  static Buffer text(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Renders bytes as lowercase space-separated hex, for readable assertion diffs. */
  static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 3);
    for (byte b : bytes) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }

  static String hex(Buffer buffer) {
    return hex(buffer.getBytes());
  }

  /** Feeds a buffer one byte per handle() call. */
  static void feedBytewise(Framer framer, Buffer input) {
    for (int i = 0; i < input.length(); i++) {
      framer.handle(input.getBuffer(i, i + 1));
    }
  }

  /**
   * A sink that records frames (as latin-1 strings and raw buffers), errors and ends of stream; optional hook per
   * frame. Its own {@link #pause()}/{@link #resume()} track the pause state, so it can check that nothing is
   * delivered while it paused the framer.
   */
  static final class Recorder implements FrameSink {

    final List<Buffer> frames = new ArrayList<>();
    final List<FramingException> errors = new ArrayList<>();
    int ends;
    boolean paused;
    Framer framer;
    BiConsumer<Framer, Buffer> onFrameHook;

    Framer attach(FramingSpec spec) {
      framer = spec.newFramer(this);
      return framer;
    }

    /** Pauses the framer, remembering it. */
    void pause() {
      paused = true;
      framer.pause();
    }

    /** Resumes the framer, remembering it. */
    void resume() {
      paused = false;
      framer.resume();
    }

    @Override
    public void onFrame(Buffer frame) {
      if (!errors.isEmpty() || ends > 0) {
        throw new AssertionError("frame after framing error or end of stream: " + hex(frame));
      }
      if (paused) {
        throw new AssertionError("frame while paused: " + hex(frame));
      }
      frames.add(frame);
      if (onFrameHook != null) {
        onFrameHook.accept(framer, frame);
      }
    }

    @Override
    public void onFramingError(FramingException error) {
      if (ends > 0) {
        throw new AssertionError("framing error after end of stream: " + error);
      }
      errors.add(error);
    }

    @Override
    public void onEndOfStream() {
      if (!errors.isEmpty() || ends > 0) {
        throw new AssertionError("end of stream after a framing error or a first end: " + errors + ", " + ends);
      }
      if (paused) {
        throw new AssertionError("end of stream while paused");
      }
      ends++;
    }

    List<String> texts() {
      List<String> out = new ArrayList<>();
      for (Buffer frame : frames) {
        out.add(frame.toString(StandardCharsets.ISO_8859_1));
      }
      return out;
    }

    List<String> hexFrames() {
      List<String> out = new ArrayList<>();
      for (Buffer frame : frames) {
        out.add(hex(frame));
      }
      return out;
    }

    FramingException onlyError() {
      if (errors.size() != 1) {
        throw new AssertionError("expected exactly one framing error, got " + errors);
      }
      return errors.get(0);
    }
  }
}
