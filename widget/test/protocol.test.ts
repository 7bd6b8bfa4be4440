import { describe, expect, it } from "vitest";
import { isMessage, parseServerFrame } from "../src/protocol";

const stored = {
  id: "m1",
  seq: 1,
  role: "user",
  content: "Hola",
  created_at: "2026-11-02T10:00:00Z",
  status: "completed",
  client_message_id: "c-1",
};

/** One frame of each server type, as the gateway writes them (SPEC §4, README "Realtime"). */
const FRAMES = [
  { type: "ready", session_id: "s-1", last_seq: 4 },
  { type: "ready", session_id: "s-1", last_seq: 4, reply_id: "r1" },
  { type: "message", message: stored },
  { type: "reply.delta", reply_id: "r1", delta: "Ho" },
  {
    type: "reply.completed",
    message: { ...stored, id: "r1", seq: 2, role: "assistant", reply_to: "m1" },
  },
  { type: "reply.failed", reply_id: "r1", code: "assistant_unavailable" },
  { type: "typing", on: true },
  { type: "consent.required" },
  { type: "lead.captured", fields: ["name", "email"] },
  {
    type: "error",
    code: "rate_limited",
    detail: "Too many",
    client_message_id: "c-1",
    retry_after: 3,
  },
  {
    type: "error",
    code: "validation_failed",
    detail: "x",
    client_message_id: "c-1",
    errors: [{ field: "content", reason: "too_long" }],
  },
  { type: "error", code: "validation_failed", detail: "x", client_message_id: null },
  { type: "error", code: "unauthorized", detail: "Say hello first" },
  { type: "pong" },
];

describe("parseServerFrame", () => {
  it("takes every frame type of SPEC §4 as the gateway writes it", () => {
    for (const frame of FRAMES) expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it("ignores what is not JSON, not an object, or of a type it does not know", () => {
    for (const data of ["", "{", "null", "42", '"ready"', "[]", '{"on":true}']) {
      expect(parseServerFrame(data)).toBeNull();
    }
    // The server never pings with a frame (it uses WebSocket pings): such a frame is not answered.
    for (const type of ["ping", "hello", "reply.started", "toString", "__proto__", "constructor"]) {
      expect(parseServerFrame(JSON.stringify({ type }))).toBeNull();
    }
  });

  it("ignores a known frame type without the fields it must carry", () => {
    const bad = [
      { type: "ready", session_id: "s-1" },
      { type: "ready", session_id: "s-1", last_seq: "4" },
      { type: "message" },
      { type: "message", message: { ...stored, seq: "1" } },
      { type: "message", message: { ...stored, role: "system" } },
      { type: "message", message: { ...stored, content: null } },
      { type: "reply.delta", reply_id: "r1" },
      { type: "reply.delta", reply_id: 1, delta: "x" },
      { type: "reply.completed", message: "r1" },
      { type: "reply.failed", reply_id: "r1" },
      { type: "typing", on: "yes" },
      { type: "lead.captured", fields: "name" },
      { type: "lead.captured", fields: [1] },
      { type: "error", detail: "no code" },
      { type: "error", code: "x", client_message_id: 7 },
      { type: "error", code: "x", errors: "content" },
      { type: "error", code: "x", errors: [{ field: "content" }] },
    ];
    for (const frame of bad) expect(parseServerFrame(JSON.stringify(frame))).toBeNull();
  });

  it("checks a stored message the same way wherever it comes from", () => {
    expect(isMessage(stored)).toBe(true);
    expect(isMessage({ ...stored, status: undefined, client_message_id: undefined })).toBe(true);
    expect(isMessage({ ...stored, client_message_id: 5 })).toBe(false);
    expect(isMessage(null)).toBe(false);
  });
});
