export type Locale = "es" | "en";

export const TEXTS = {
  es: {
    open: "Abrir el chat con TalIA",
    close: "Cerrar el chat",
    input: "Escribe tu mensaje",
    send: "Enviar",
    accept: "Aceptar y chatear",
    policy: "Política de privacidad",
    version: "versión",
    typing: "TalIA está escribiendo…",
    failed: "No se ha enviado.",
    retry: "Reintentar",
    offline: "Sin conexión: reconectando…",
    error: "No se ha podido conectar. Inténtalo de nuevo en un momento.",
    log: "Conversación",
    withdraw: "Retirar mi consentimiento",
    incomplete: "(respuesta incompleta)",
  },
  en: {
    open: "Open the chat with TalIA",
    close: "Close the chat",
    input: "Type your message",
    send: "Send",
    accept: "Accept and chat",
    policy: "Privacy policy",
    version: "version",
    typing: "TalIA is typing…",
    failed: "Not sent.",
    retry: "Retry",
    offline: "Offline: reconnecting…",
    error: "Could not connect. Please try again in a moment.",
    log: "Conversation",
    withdraw: "Withdraw my consent",
    incomplete: "(reply cut short)",
  },
} as const;

export type Texts = { [K in keyof (typeof TEXTS)["es"]]: string };

export function texts(locale: string): Texts {
  return locale === "en" ? TEXTS.en : TEXTS.es;
}
