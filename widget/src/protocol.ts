/**
 * The gateway's wire types (SPEC §4, README "Realtime"): a stored message and the socket frames
 * each way. Incoming JSON is checked here, once, and becomes one of these types or nothing.
 */

/** A stored message, as history, the REST answer and the socket frames carry it. */
export interface Message {
  id: string;
  seq: number;
  role: "user" | "assistant";
  content: string;
  /** pending, completed, failed, or incomplete: a reply cut short (by the output cap) after text was shown. */
  status?: string;
  client_message_id?: string;
  /** On a reply: the id of the visitor's message it answers. */
  reply_to?: string;
}

export interface ReadyFrame {
  type: "ready";
  session_id: string;
  last_seq: number;
  /** The reply being written at this moment, if any. */
  reply_id?: string;
}
export interface MessageFrame {
  type: "message";
  message: Message;
}
export interface ReplyDeltaFrame {
  type: "reply.delta";
  reply_id: string;
  delta: string;
}
export interface ReplyCompletedFrame {
  type: "reply.completed";
  message: Message;
}
export interface ReplyFailedFrame {
  type: "reply.failed";
  reply_id: string;
  code: string;
}
export interface TypingFrame {
  type: "typing";
  on: boolean;
}
export interface ConsentRequiredFrame {
  type: "consent.required";
}
export interface LeadCapturedFrame {
  type: "lead.captured";
  fields: string[];
}
export interface FieldError {
  field: string;
  reason: string;
}
export interface ErrorFrame {
  type: "error";
  code: string;
  detail?: string;
  /** The message frame this answers; null or absent for an error about the socket itself. */
  client_message_id?: string | null;
  /** The fields a refused message frame got wrong, as in a 422 problem. */
  errors?: FieldError[];
  /** Seconds to wait before sending again. */
  retry_after?: number;
}
export interface PongFrame {
  type: "pong";
}

/** Every frame the gateway sends. */
export type ServerFrame =
  | ReadyFrame
  | MessageFrame
  | ReplyDeltaFrame
  | ReplyCompletedFrame
  | ReplyFailedFrame
  | TypingFrame
  | ConsentRequiredFrame
  | LeadCapturedFrame
  | ErrorFrame
  | PongFrame;

export interface HelloFrame {
  type: "hello";
  session_id: string;
  session_token: string;
  resume_after_seq?: number;
  /** Only when the gateway requires the public widget token (a socket cannot send headers). */
  widget_token?: string;
}
export interface SendFrame {
  type: "message";
  content: string;
  client_message_id: string;
  locale?: string;
}
export interface PingFrame {
  type: "ping";
}

/** Every frame the widget may send. */
export type ClientFrame = HelloFrame | SendFrame | PingFrame;

type Json = Partial<Record<string, unknown>>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null;
const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";
const maybe = (v: unknown, is: (v: unknown) => boolean): boolean => v === undefined || is(v);
const isFieldError = (v: unknown): boolean =>
  isObject(v) && isString(v.field) && isString(v.reason);

export function isMessage(v: unknown): v is Message {
  return (
    isObject(v) &&
    isString(v.id) &&
    isNumber(v.seq) &&
    (v.role === "user" || v.role === "assistant") &&
    isString(v.content) &&
    maybe(v.status, isString) &&
    maybe(v.client_message_id, isString) &&
    maybe(v.reply_to, isString)
  );
}

/** What each frame type must carry; a Record, so a frame type added above needs its check here. */
const CHECKS: Record<ServerFrame["type"], (f: Json) => boolean> = {
  ready: (f) => isString(f.session_id) && isNumber(f.last_seq) && maybe(f.reply_id, isString),
  message: (f) => isMessage(f.message),
  "reply.delta": (f) => isString(f.reply_id) && isString(f.delta),
  "reply.completed": (f) => isMessage(f.message),
  "reply.failed": (f) => isString(f.reply_id) && isString(f.code),
  typing: (f) => typeof f.on === "boolean",
  "consent.required": () => true,
  "lead.captured": (f) => Array.isArray(f.fields) && f.fields.every(isString),
  error: (f) =>
    isString(f.code) &&
    maybe(f.detail, isString) &&
    (f.client_message_id === null || maybe(f.client_message_id, isString)) &&
    maybe(f.errors, (e) => Array.isArray(e) && e.every(isFieldError)) &&
    maybe(f.retry_after, isNumber),
  pong: () => true,
};

/** The frame in a socket message, or null for anything else (bad JSON, unknown type, wrong shape). */
export function parseServerFrame(data: unknown): ServerFrame | null {
  let f: unknown;
  try {
    f = JSON.parse(String(data));
  } catch {
    return null;
  }
  if (!isObject(f) || !isString(f.type) || !Object.prototype.hasOwnProperty.call(CHECKS, f.type)) {
    return null;
  }
  return CHECKS[f.type as ServerFrame["type"]](f) ? (f as unknown as ServerFrame) : null;
}
