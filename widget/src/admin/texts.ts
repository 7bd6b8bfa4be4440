/** The admin page's words, Spanish by default and English (like the widget's texts.ts). */
export type AdminLocale = "es" | "en";

export interface AdminTexts {
  title: string;
  language: string;
  signIn: string;
  signOut: string;
  loginHeading: string;
  tokenLabel: string;
  tokenHint: string;
  unauthorized: string;
  rateLimited: string;
  failed: (detail: string) => string;
  loading: string;
  leads: string;
  search: string;
  since: string;
  until: string;
  filter: string;
  clear: string;
  csv: string;
  csvSaved: (filename: string) => string;
  date: string;
  name: string;
  email: string;
  phone: string;
  page: string;
  noLeads: string;
  newer: string;
  older: string;
  pageOf: (n: number) => string;
  pages: string;
  conversation: string;
  pickLead: string;
  visitor: string;
  assistant: string;
  started: string;
  lastActivity: string;
  locale: string;
  status: string;
  consents: string;
  granted: string;
  withdrawn: string;
  noMessages: string;
  erase: string;
  eraseTitle: string;
  eraseIntroEmail: (email: string) => string;
  eraseIntroSession: (id: string) => string;
  eraseItems: readonly string[];
  eraseKept: string;
  eraseConfirm: string;
  cancel: string;
  erased: (n: number) => string;
  deliveries: string;
  deliveryStatus: string;
  all: string;
  pending: string;
  delivered: string;
  failedStatus: string;
  created: string;
  event: string;
  endpoint: string;
  attempts: string;
  lastResult: string;
  retry: string;
  retried: string;
  noDeliveries: string;
  more: string;
  refresh: string;
}

const es: AdminTexts = {
  title: "TalIA · Administración",
  language: "Idioma",
  signIn: "Entrar",
  signOut: "Salir",
  loginHeading: "Acceso",
  tokenLabel: "Token de administración (TALIA_ADMIN_TOKEN)",
  tokenHint: "Se guarda solo en esta pestaña (sessionStorage) y se olvida al cerrarla.",
  unauthorized: "El token no es válido o ha dejado de serlo. Vuelve a introducirlo.",
  rateLimited: "Demasiados intentos fallidos desde esta dirección. Espera un minuto.",
  failed: (detail) => "No se ha podido completar: " + detail,
  loading: "Cargando…",
  leads: "Leads",
  search: "Buscar (nombre, email o teléfono)",
  since: "Desde",
  until: "Hasta (incluido)",
  filter: "Filtrar",
  clear: "Limpiar filtros",
  csv: "Descargar CSV",
  csvSaved: (f) => "Descargado " + f + ".",
  date: "Fecha",
  name: "Nombre",
  email: "Email",
  phone: "Teléfono",
  page: "Página de origen",
  noLeads: "No hay leads con estos filtros.",
  newer: "Más recientes",
  older: "Más antiguos",
  pageOf: (n) => "Página " + String(n),
  pages: "Páginas de leads",
  conversation: "Conversación",
  pickLead: "Elige un lead para ver su conversación.",
  visitor: "Visitante",
  assistant: "TalIA",
  started: "Inicio",
  lastActivity: "Última actividad",
  locale: "Idioma",
  status: "Estado",
  consents: "Consentimientos",
  granted: "concedido",
  withdrawn: "retirado",
  noMessages: "Sin mensajes.",
  erase: "Borrar a este visitante",
  eraseTitle: "¿Borrar los datos de este visitante?",
  eraseIntroEmail: (email) =>
    "Se borrará para siempre lo guardado sobre " + email + ", en todas sus conversaciones:",
  eraseIntroSession: (id) => "Se borrará para siempre lo guardado de la conversación " + id + ":",
  eraseItems: [
    "los mensajes de la conversación (lo que escribió y lo que se le respondió)",
    "el lead: nombre, email y teléfono",
    "la IP (cifrada) y el navegador (user agent) guardados con sus consentimientos",
    "la conversación guardada en OpenAI, si la hay",
    "los datos personales de sus eventos (los webhooks reciben session_erased)",
  ],
  eraseKept: "Solo queda constancia del borrado: el id de la sesión, la fecha y el motivo.",
  eraseConfirm: "Borrar definitivamente",
  cancel: "Cancelar",
  erased: (n) =>
    n === 1 ? "Borrada 1 conversación." : "Borradas " + String(n) + " conversaciones.",
  deliveries: "Entregas de webhooks",
  deliveryStatus: "Estado",
  all: "Todas",
  pending: "Pendiente",
  delivered: "Entregada",
  failedStatus: "Fallida",
  created: "Creada",
  event: "Evento",
  endpoint: "Destino",
  attempts: "Intentos",
  lastResult: "Último resultado",
  retry: "Reintentar",
  retried: "La entrega se enviará de nuevo ahora.",
  noDeliveries: "No hay entregas.",
  more: "Cargar más",
  refresh: "Actualizar",
};

const en: AdminTexts = {
  title: "TalIA · Administration",
  language: "Language",
  signIn: "Sign in",
  signOut: "Sign out",
  loginHeading: "Sign in",
  tokenLabel: "Admin token (TALIA_ADMIN_TOKEN)",
  tokenHint: "Kept in this tab only (sessionStorage) and forgotten when it closes.",
  unauthorized: "The token is not valid, or no longer is. Enter it again.",
  rateLimited: "Too many refused attempts from this address. Wait a minute.",
  failed: (detail) => "That did not work: " + detail,
  loading: "Loading…",
  leads: "Leads",
  search: "Search (name, email or phone)",
  since: "From",
  until: "Until (inclusive)",
  filter: "Filter",
  clear: "Clear filters",
  csv: "Download CSV",
  csvSaved: (f) => "Downloaded " + f + ".",
  date: "Date",
  name: "Name",
  email: "Email",
  phone: "Phone",
  page: "Landing page",
  noLeads: "No leads match these filters.",
  newer: "Newer",
  older: "Older",
  pageOf: (n) => "Page " + String(n),
  pages: "Lead pages",
  conversation: "Conversation",
  pickLead: "Choose a lead to see its conversation.",
  visitor: "Visitor",
  assistant: "TalIA",
  started: "Started",
  lastActivity: "Last activity",
  locale: "Language",
  status: "Status",
  consents: "Consents",
  granted: "granted",
  withdrawn: "withdrawn",
  noMessages: "No messages.",
  erase: "Erase this visitor",
  eraseTitle: "Erase this visitor's data?",
  eraseIntroEmail: (email) =>
    "This permanently deletes what is stored about " + email + ", in every conversation:",
  eraseIntroSession: (id) => "This permanently deletes what is stored of conversation " + id + ":",
  eraseItems: [
    "the conversation's messages (what they wrote and what they were answered)",
    "the lead: name, email and phone",
    "the (hashed) IP address and browser (user agent) stored with their consents",
    "the conversation stored at OpenAI, if any",
    "the personal data in their events (webhooks receive session_erased)",
  ],
  eraseKept: "Only a record of the erasure is kept: the session id, the date and the reason.",
  eraseConfirm: "Erase for good",
  cancel: "Cancel",
  erased: (n) => (n === 1 ? "Erased 1 conversation." : "Erased " + String(n) + " conversations."),
  deliveries: "Webhook deliveries",
  deliveryStatus: "Status",
  all: "All",
  pending: "Pending",
  delivered: "Delivered",
  failedStatus: "Failed",
  created: "Created",
  event: "Event",
  endpoint: "Endpoint",
  attempts: "Attempts",
  lastResult: "Last result",
  retry: "Retry",
  retried: "The delivery will be sent again now.",
  noDeliveries: "No deliveries.",
  more: "Load more",
  refresh: "Refresh",
};

export const ADMIN_TEXTS: Record<AdminLocale, AdminTexts> = { es, en };

export function adminTexts(locale: string): AdminTexts {
  return locale === "en" ? en : es;
}
