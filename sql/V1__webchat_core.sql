-- TalIA Webchat core schema. Runs unchanged on PostgreSQL and on H2 (PostgreSQL mode).
-- Ids are text UUIDs made by the gateway; timestamps are UTC instants.

CREATE TABLE webchat_sessions (
  session_id          VARCHAR(64)  PRIMARY KEY,
  token_hash          VARCHAR(64)  NOT NULL,
  assistant_thread_id VARCHAR(128),
  locale              VARCHAR(16)  NOT NULL,
  page_url            VARCHAR(2048),
  utm                 VARCHAR(4000),
  created_at          TIMESTAMP WITH TIME ZONE NOT NULL,
  last_activity       TIMESTAMP WITH TIME ZONE NOT NULL,
  turns               INTEGER      NOT NULL DEFAULT 0,
  tokens_used         BIGINT       NOT NULL DEFAULT 0
);

CREATE TABLE messages (
  id                VARCHAR(36)  PRIMARY KEY,
  session_id        VARCHAR(64)  NOT NULL REFERENCES webchat_sessions (session_id),
  seq               BIGINT       NOT NULL,
  role              VARCHAR(16)  NOT NULL,
  content           VARCHAR(16000) NOT NULL,
  created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  client_message_id VARCHAR(128),
  status            VARCHAR(16)  NOT NULL,
  reply_to          VARCHAR(36),
  error_code        VARCHAR(64),
  input_tokens      INTEGER      NOT NULL DEFAULT 0,
  output_tokens     INTEGER      NOT NULL DEFAULT 0,
  CONSTRAINT messages_session_seq_uq UNIQUE (session_id, seq),
  CONSTRAINT messages_session_client_id_uq UNIQUE (session_id, client_message_id)
);

CREATE TABLE consents (
  id             VARCHAR(36)  PRIMARY KEY,
  session_id     VARCHAR(64)  NOT NULL REFERENCES webchat_sessions (session_id),
  policy_version VARCHAR(64)  NOT NULL,
  granted        BOOLEAN      NOT NULL,
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  ip_hash        VARCHAR(64),
  user_agent     VARCHAR(512)
);
CREATE INDEX consents_session_idx ON consents (session_id, created_at);

CREATE TABLE leads (
  id         VARCHAR(36)  PRIMARY KEY,
  session_id VARCHAR(64)  NOT NULL REFERENCES webchat_sessions (session_id),
  name       VARCHAR(200),
  email      VARCHAR(320),
  phone      VARCHAR(32),
  source     VARCHAR(32)  NOT NULL DEFAULT 'webchat',
  consent_id VARCHAR(36)  NOT NULL REFERENCES consents (id),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT leads_session_uq UNIQUE (session_id)
);

CREATE TABLE events (
  id          VARCHAR(36)  PRIMARY KEY,
  type        VARCHAR(64)  NOT NULL,
  session_id  VARCHAR(64),
  occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
  payload     VARCHAR(16000) NOT NULL
);
CREATE INDEX events_session_idx ON events (session_id, occurred_at);
