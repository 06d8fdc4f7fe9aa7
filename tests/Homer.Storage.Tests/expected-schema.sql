--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: agent_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_tokens (
    id bigint NOT NULL,
    agent_name text NOT NULL,
    token_hash bytea NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone
);


--
-- Name: agent_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.agent_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: agent_tokens_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.agent_tokens_id_seq OWNED BY public.agent_tokens.id;


--
-- Name: agents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agents (
    name text NOT NULL,
    version text,
    host text,
    address inet,
    inputs jsonb DEFAULT '[]'::jsonb NOT NULL,
    counters jsonb DEFAULT '{}'::jsonb NOT NULL,
    problems text[] DEFAULT '{}'::text[] NOT NULL,
    interval_seconds integer DEFAULT 5 NOT NULL,
    applied_version bigint DEFAULT 0 NOT NULL,
    apply_error text,
    desired_version bigint DEFAULT 0 NOT NULL,
    desired_filter text,
    desired_rules jsonb,
    desired_input text,
    desired_by text,
    desired_at timestamp with time zone,
    first_seen timestamp with time zone DEFAULT now() NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: alarm_rules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alarm_rules (
    id bigint NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    enabled boolean NOT NULL,
    severity text NOT NULL,
    threshold double precision,
    window_seconds integer NOT NULL,
    min_count integer,
    cooldown_seconds integer NOT NULL,
    scope text,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT alarm_rules_cooldown_seconds_check CHECK ((cooldown_seconds >= 0)),
    CONSTRAINT alarm_rules_severity_check CHECK ((severity = ANY (ARRAY['INFO'::text, 'WARNING'::text, 'CRITICAL'::text]))),
    CONSTRAINT alarm_rules_window_seconds_check CHECK ((window_seconds > 0))
);


--
-- Name: alarm_rules_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alarm_rules_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alarm_rules_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alarm_rules_id_seq OWNED BY public.alarm_rules.id;


--
-- Name: alarms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alarms (
    id bigint NOT NULL,
    rule_id bigint NOT NULL,
    rule_type text NOT NULL,
    severity text NOT NULL,
    state text NOT NULL,
    alarm_key text NOT NULL,
    scope text NOT NULL,
    message text NOT NULL,
    count bigint NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL,
    example_call_ids text[] DEFAULT '{}'::text[] NOT NULL,
    acknowledged_by text,
    acknowledged_at timestamp with time zone,
    resolved_at timestamp with time zone,
    CONSTRAINT alarms_state_check CHECK ((state = ANY (ARRAY['ACTIVE'::text, 'ACKNOWLEDGED'::text, 'RESOLVED'::text])))
);


--
-- Name: alarms_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alarms_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alarms_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alarms_id_seq OWNED BY public.alarms.id;


--
-- Name: aliases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.aliases (
    id bigint NOT NULL,
    ip inet NOT NULL,
    port integer DEFAULT 0 NOT NULL,
    name text NOT NULL,
    capture_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT aliases_port_check CHECK (((port >= 0) AND (port <= 65535)))
);


--
-- Name: aliases_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.aliases_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: aliases_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.aliases_id_seq OWNED BY public.aliases.id;


--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    name text NOT NULL,
    token_hash bytea NOT NULL,
    role text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT api_tokens_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'user'::text, 'viewer'::text])))
);


--
-- Name: api_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.api_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: api_tokens_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.api_tokens_id_seq OWNED BY public.api_tokens.id;


--
-- Name: auth_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_keys (
    name text NOT NULL,
    key bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: dashboards; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dashboards (
    id bigint NOT NULL,
    owner_id bigint,
    owner_name text NOT NULL,
    title text NOT NULL,
    shared boolean DEFAULT false NOT NULL,
    promoted boolean DEFAULT false NOT NULL,
    layout text NOT NULL,
    widgets text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: dashboards_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dashboards_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dashboards_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dashboards_id_seq OWNED BY public.dashboards.id;


--
-- Name: dialogs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dialogs (
    call_id text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL,
    from_user text COLLATE pg_catalog."C",
    to_user text COLLATE pg_catalog."C",
    ruri_user text COLLATE pg_catalog."C",
    caller_ip inet,
    callee_ip inet,
    started_at timestamp with time zone NOT NULL,
    answered_at timestamp with time zone,
    ended_at timestamp with time zone,
    expires_at timestamp with time zone,
    last_seen timestamp with time zone NOT NULL,
    pdd_ms bigint,
    setup_ms bigint,
    duration_ms bigint,
    final_status integer,
    final_reason text,
    q850_cause integer,
    hangup_by text,
    ended_by_timeout boolean DEFAULT false NOT NULL,
    message_count bigint NOT NULL,
    retransmissions bigint DEFAULT 0 NOT NULL,
    mos_min double precision,
    mos_avg double precision,
    correlation_group text,
    node text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    counted_now boolean DEFAULT false NOT NULL,
    mos_counted_now boolean DEFAULT false NOT NULL,
    stats_counted boolean DEFAULT false NOT NULL,
    mos_counted boolean DEFAULT false NOT NULL
)
WITH (fillfactor='80');


--
-- Name: header_fields; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.header_fields (
    name text NOT NULL,
    header text NOT NULL,
    part text,
    updated_by text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: messages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1000;


--
-- Name: hep_call; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_call (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_call ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_call ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_call_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_call_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_call_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_call_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_default_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_default_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_default_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_default_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_generic; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_generic (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_generic ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_generic ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_generic_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_generic_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_generic_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_generic_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_log (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_log ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_log ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_log_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_log_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_log_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_log_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_qos; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_qos (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_qos ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_qos ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_qos_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_qos_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_qos_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_qos_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_registration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_registration (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_registration ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_registration ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_registration_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_registration_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_registration_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_registration_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_rtcp; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_rtcp (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
)
PARTITION BY RANGE (ts);
ALTER TABLE ONLY public.hep_rtcp ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_rtcp ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: hep_rtcp_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hep_rtcp_default (
    id bigint DEFAULT nextval('public.messages_id_seq'::regclass) NOT NULL,
    ts timestamp with time zone NOT NULL,
    proto_type smallint NOT NULL,
    ip_proto smallint NOT NULL,
    transport text,
    src_ip inet NOT NULL,
    src_port integer NOT NULL,
    dst_ip inet NOT NULL,
    dst_port integer NOT NULL,
    capture_id bigint NOT NULL,
    node text COLLATE pg_catalog."C",
    vlan integer,
    correlation_id text,
    call_id text,
    method text,
    status smallint,
    reason text,
    ruri_user text COLLATE pg_catalog."C",
    ruri_domain text COLLATE pg_catalog."C",
    from_user text COLLATE pg_catalog."C",
    from_domain text COLLATE pg_catalog."C",
    from_tag text,
    to_user text COLLATE pg_catalog."C",
    to_domain text COLLATE pg_catalog."C",
    to_tag text,
    cseq bigint,
    cseq_method text,
    user_agent text COLLATE pg_catalog."C",
    parse_error text,
    headers jsonb,
    payload bytea NOT NULL,
    fields jsonb
);
ALTER TABLE ONLY public.hep_rtcp_default ALTER COLUMN headers SET COMPRESSION lz4;
ALTER TABLE ONLY public.hep_rtcp_default ALTER COLUMN payload SET COMPRESSION lz4;


--
-- Name: messages; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.messages AS
 SELECT hep_call.id,
    hep_call.ts,
    hep_call.proto_type,
    hep_call.ip_proto,
    hep_call.transport,
    hep_call.src_ip,
    hep_call.src_port,
    hep_call.dst_ip,
    hep_call.dst_port,
    hep_call.capture_id,
    hep_call.node,
    hep_call.vlan,
    hep_call.correlation_id,
    hep_call.call_id,
    hep_call.method,
    hep_call.status,
    hep_call.reason,
    hep_call.ruri_user,
    hep_call.ruri_domain,
    hep_call.from_user,
    hep_call.from_domain,
    hep_call.from_tag,
    hep_call.to_user,
    hep_call.to_domain,
    hep_call.to_tag,
    hep_call.cseq,
    hep_call.cseq_method,
    hep_call.user_agent,
    hep_call.parse_error,
    hep_call.headers,
    hep_call.payload,
    hep_call.fields,
    (1)::smallint AS profile
   FROM public.hep_call
UNION ALL
 SELECT hep_registration.id,
    hep_registration.ts,
    hep_registration.proto_type,
    hep_registration.ip_proto,
    hep_registration.transport,
    hep_registration.src_ip,
    hep_registration.src_port,
    hep_registration.dst_ip,
    hep_registration.dst_port,
    hep_registration.capture_id,
    hep_registration.node,
    hep_registration.vlan,
    hep_registration.correlation_id,
    hep_registration.call_id,
    hep_registration.method,
    hep_registration.status,
    hep_registration.reason,
    hep_registration.ruri_user,
    hep_registration.ruri_domain,
    hep_registration.from_user,
    hep_registration.from_domain,
    hep_registration.from_tag,
    hep_registration.to_user,
    hep_registration.to_domain,
    hep_registration.to_tag,
    hep_registration.cseq,
    hep_registration.cseq_method,
    hep_registration.user_agent,
    hep_registration.parse_error,
    hep_registration.headers,
    hep_registration.payload,
    hep_registration.fields,
    (2)::smallint AS profile
   FROM public.hep_registration
UNION ALL
 SELECT hep_default.id,
    hep_default.ts,
    hep_default.proto_type,
    hep_default.ip_proto,
    hep_default.transport,
    hep_default.src_ip,
    hep_default.src_port,
    hep_default.dst_ip,
    hep_default.dst_port,
    hep_default.capture_id,
    hep_default.node,
    hep_default.vlan,
    hep_default.correlation_id,
    hep_default.call_id,
    hep_default.method,
    hep_default.status,
    hep_default.reason,
    hep_default.ruri_user,
    hep_default.ruri_domain,
    hep_default.from_user,
    hep_default.from_domain,
    hep_default.from_tag,
    hep_default.to_user,
    hep_default.to_domain,
    hep_default.to_tag,
    hep_default.cseq,
    hep_default.cseq_method,
    hep_default.user_agent,
    hep_default.parse_error,
    hep_default.headers,
    hep_default.payload,
    hep_default.fields,
    (0)::smallint AS profile
   FROM public.hep_default
UNION ALL
 SELECT hep_qos.id,
    hep_qos.ts,
    hep_qos.proto_type,
    hep_qos.ip_proto,
    hep_qos.transport,
    hep_qos.src_ip,
    hep_qos.src_port,
    hep_qos.dst_ip,
    hep_qos.dst_port,
    hep_qos.capture_id,
    hep_qos.node,
    hep_qos.vlan,
    hep_qos.correlation_id,
    hep_qos.call_id,
    hep_qos.method,
    hep_qos.status,
    hep_qos.reason,
    hep_qos.ruri_user,
    hep_qos.ruri_domain,
    hep_qos.from_user,
    hep_qos.from_domain,
    hep_qos.from_tag,
    hep_qos.to_user,
    hep_qos.to_domain,
    hep_qos.to_tag,
    hep_qos.cseq,
    hep_qos.cseq_method,
    hep_qos.user_agent,
    hep_qos.parse_error,
    hep_qos.headers,
    hep_qos.payload,
    hep_qos.fields,
    (3)::smallint AS profile
   FROM public.hep_qos
UNION ALL
 SELECT hep_rtcp.id,
    hep_rtcp.ts,
    hep_rtcp.proto_type,
    hep_rtcp.ip_proto,
    hep_rtcp.transport,
    hep_rtcp.src_ip,
    hep_rtcp.src_port,
    hep_rtcp.dst_ip,
    hep_rtcp.dst_port,
    hep_rtcp.capture_id,
    hep_rtcp.node,
    hep_rtcp.vlan,
    hep_rtcp.correlation_id,
    hep_rtcp.call_id,
    hep_rtcp.method,
    hep_rtcp.status,
    hep_rtcp.reason,
    hep_rtcp.ruri_user,
    hep_rtcp.ruri_domain,
    hep_rtcp.from_user,
    hep_rtcp.from_domain,
    hep_rtcp.from_tag,
    hep_rtcp.to_user,
    hep_rtcp.to_domain,
    hep_rtcp.to_tag,
    hep_rtcp.cseq,
    hep_rtcp.cseq_method,
    hep_rtcp.user_agent,
    hep_rtcp.parse_error,
    hep_rtcp.headers,
    hep_rtcp.payload,
    hep_rtcp.fields,
    (4)::smallint AS profile
   FROM public.hep_rtcp
UNION ALL
 SELECT hep_log.id,
    hep_log.ts,
    hep_log.proto_type,
    hep_log.ip_proto,
    hep_log.transport,
    hep_log.src_ip,
    hep_log.src_port,
    hep_log.dst_ip,
    hep_log.dst_port,
    hep_log.capture_id,
    hep_log.node,
    hep_log.vlan,
    hep_log.correlation_id,
    hep_log.call_id,
    hep_log.method,
    hep_log.status,
    hep_log.reason,
    hep_log.ruri_user,
    hep_log.ruri_domain,
    hep_log.from_user,
    hep_log.from_domain,
    hep_log.from_tag,
    hep_log.to_user,
    hep_log.to_domain,
    hep_log.to_tag,
    hep_log.cseq,
    hep_log.cseq_method,
    hep_log.user_agent,
    hep_log.parse_error,
    hep_log.headers,
    hep_log.payload,
    hep_log.fields,
    (5)::smallint AS profile
   FROM public.hep_log
UNION ALL
 SELECT hep_generic.id,
    hep_generic.ts,
    hep_generic.proto_type,
    hep_generic.ip_proto,
    hep_generic.transport,
    hep_generic.src_ip,
    hep_generic.src_port,
    hep_generic.dst_ip,
    hep_generic.dst_port,
    hep_generic.capture_id,
    hep_generic.node,
    hep_generic.vlan,
    hep_generic.correlation_id,
    hep_generic.call_id,
    hep_generic.method,
    hep_generic.status,
    hep_generic.reason,
    hep_generic.ruri_user,
    hep_generic.ruri_domain,
    hep_generic.from_user,
    hep_generic.from_domain,
    hep_generic.from_tag,
    hep_generic.to_user,
    hep_generic.to_domain,
    hep_generic.to_tag,
    hep_generic.cseq,
    hep_generic.cseq_method,
    hep_generic.user_agent,
    hep_generic.parse_error,
    hep_generic.headers,
    hep_generic.payload,
    hep_generic.fields,
    (6)::smallint AS profile
   FROM public.hep_generic;


--
-- Name: quarantine; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.quarantine (
    id bigint NOT NULL,
    quarantined_at timestamp with time zone DEFAULT now() NOT NULL,
    captured_at timestamp with time zone,
    kind text NOT NULL,
    target_table text NOT NULL,
    node text,
    hep bytea,
    row_json text,
    sqlstate text NOT NULL,
    error text NOT NULL,
    attempts integer DEFAULT 1 NOT NULL,
    replayed_at timestamp with time zone,
    CONSTRAINT quarantine_check CHECK (((hep IS NOT NULL) OR (row_json IS NOT NULL))),
    CONSTRAINT quarantine_kind_check CHECK ((kind = ANY (ARRAY['message'::text, 'dialog'::text, 'stats'::text, 'alarm'::text, 'toplist'::text])))
);


--
-- Name: quarantine_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.quarantine ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.quarantine_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: revoked_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revoked_sessions (
    jti uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: share_links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.share_links (
    id bigint NOT NULL,
    user_id bigint,
    created_by text NOT NULL,
    call_ids text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone
);


--
-- Name: share_links_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.share_links_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: share_links_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.share_links_id_seq OWNED BY public.share_links.id;


--
-- Name: stats_counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stats_counters (
    resolution smallint NOT NULL,
    bucket timestamp with time zone NOT NULL,
    metric text NOT NULL,
    key text NOT NULL,
    node text NOT NULL,
    capture_id bigint NOT NULL,
    count bigint NOT NULL,
    total double precision DEFAULT 0 NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    username text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    session_epoch integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    source text DEFAULT 'local'::text NOT NULL,
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'user'::text, 'viewer'::text]))),
    CONSTRAINT users_source_check CHECK ((source = ANY (ARRAY['local'::text, 'ldap'::text])))
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;


--
-- Name: hep_call_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_call ATTACH PARTITION public.hep_call_default DEFAULT;


--
-- Name: hep_default_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_default ATTACH PARTITION public.hep_default_default DEFAULT;


--
-- Name: hep_generic_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_generic ATTACH PARTITION public.hep_generic_default DEFAULT;


--
-- Name: hep_log_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_log ATTACH PARTITION public.hep_log_default DEFAULT;


--
-- Name: hep_qos_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_qos ATTACH PARTITION public.hep_qos_default DEFAULT;


--
-- Name: hep_registration_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_registration ATTACH PARTITION public.hep_registration_default DEFAULT;


--
-- Name: hep_rtcp_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hep_rtcp ATTACH PARTITION public.hep_rtcp_default DEFAULT;


--
-- Name: agent_tokens id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_tokens ALTER COLUMN id SET DEFAULT nextval('public.agent_tokens_id_seq'::regclass);


--
-- Name: alarm_rules id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm_rules ALTER COLUMN id SET DEFAULT nextval('public.alarm_rules_id_seq'::regclass);


--
-- Name: alarms id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarms ALTER COLUMN id SET DEFAULT nextval('public.alarms_id_seq'::regclass);


--
-- Name: aliases id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.aliases ALTER COLUMN id SET DEFAULT nextval('public.aliases_id_seq'::regclass);


--
-- Name: api_tokens id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens ALTER COLUMN id SET DEFAULT nextval('public.api_tokens_id_seq'::regclass);


--
-- Name: dashboards id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dashboards ALTER COLUMN id SET DEFAULT nextval('public.dashboards_id_seq'::regclass);


--
-- Name: share_links id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links ALTER COLUMN id SET DEFAULT nextval('public.share_links_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);


--
-- Name: agent_tokens agent_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_tokens
    ADD CONSTRAINT agent_tokens_pkey PRIMARY KEY (id);


--
-- Name: agent_tokens agent_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_tokens
    ADD CONSTRAINT agent_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: agents agents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (name);


--
-- Name: alarm_rules alarm_rules_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm_rules
    ADD CONSTRAINT alarm_rules_name_key UNIQUE (name);


--
-- Name: alarm_rules alarm_rules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm_rules
    ADD CONSTRAINT alarm_rules_pkey PRIMARY KEY (id);


--
-- Name: alarms alarms_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarms
    ADD CONSTRAINT alarms_pkey PRIMARY KEY (id);


--
-- Name: aliases aliases_ip_port_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.aliases
    ADD CONSTRAINT aliases_ip_port_key UNIQUE (ip, port);


--
-- Name: aliases aliases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.aliases
    ADD CONSTRAINT aliases_pkey PRIMARY KEY (id);


--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);


--
-- Name: api_tokens api_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: auth_keys auth_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_keys
    ADD CONSTRAINT auth_keys_pkey PRIMARY KEY (name);


--
-- Name: dashboards dashboards_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dashboards
    ADD CONSTRAINT dashboards_pkey PRIMARY KEY (id);


--
-- Name: header_fields header_fields_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.header_fields
    ADD CONSTRAINT header_fields_pkey PRIMARY KEY (name);


--
-- Name: quarantine quarantine_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.quarantine
    ADD CONSTRAINT quarantine_pkey PRIMARY KEY (id);


--
-- Name: revoked_sessions revoked_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_sessions
    ADD CONSTRAINT revoked_sessions_pkey PRIMARY KEY (jti);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: share_links share_links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links
    ADD CONSTRAINT share_links_pkey PRIMARY KEY (id);


--
-- Name: stats_counters stats_counters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stats_counters
    ADD CONSTRAINT stats_counters_pkey PRIMARY KEY (resolution, bucket, metric, key, node, capture_id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: agent_tokens_agent_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_tokens_agent_name ON public.agent_tokens USING btree (agent_name);


--
-- Name: alarms_last_seen; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX alarms_last_seen ON public.alarms USING btree (last_seen);


--
-- Name: alarms_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX alarms_open ON public.alarms USING btree (rule_id, alarm_key) WHERE (state <> 'RESOLVED'::text);


--
-- Name: api_tokens_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_tokens_user_id ON public.api_tokens USING btree (user_id);


--
-- Name: dashboards_owner_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dashboards_owner_name ON public.dashboards USING btree (owner_name);


--
-- Name: dialogs_call_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX dialogs_call_id ON public.dialogs USING btree ("left"(call_id, 256), (
CASE
    WHEN (length(call_id) > 256) THEN sha256(decode(replace(call_id, '\'::text, '\\'::text), 'escape'::text))
    ELSE '\x'::bytea
END));


--
-- Name: dialogs_callee_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_callee_ip ON public.dialogs USING btree (callee_ip);


--
-- Name: dialogs_caller_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_caller_ip ON public.dialogs USING btree (caller_ip);


--
-- Name: dialogs_correlation_group; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_correlation_group ON public.dialogs USING btree ("left"(correlation_group, 256)) WHERE (correlation_group IS NOT NULL);


--
-- Name: dialogs_from_user_started_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_from_user_started_at ON public.dialogs USING btree ("left"(from_user, 256), started_at);


--
-- Name: dialogs_kind_started_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_kind_started_at ON public.dialogs USING btree (kind, started_at);


--
-- Name: dialogs_ruri_user_started_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_ruri_user_started_at ON public.dialogs USING btree ("left"(ruri_user, 256), started_at);


--
-- Name: dialogs_started_at_call_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_started_at_call_id ON public.dialogs USING btree (started_at, "left"(call_id, 256));


--
-- Name: dialogs_to_user_started_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dialogs_to_user_started_at ON public.dialogs USING btree ("left"(to_user, 256), started_at);


--
-- Name: hep_call_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_call_id_ts ON ONLY public.hep_call USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_call_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_correlation_id ON ONLY public.hep_call USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_call_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_dst_ip ON ONLY public.hep_call USING btree (dst_ip);


--
-- Name: hep_call_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_dst_ip_idx ON public.hep_call_default USING btree (dst_ip);


--
-- Name: hep_call_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_fields ON ONLY public.hep_call USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_call_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_fields_idx ON public.hep_call_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_call_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_left_idx ON public.hep_call_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_call_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_left_ts_idx ON public.hep_call_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_call_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_from_user_ts ON ONLY public.hep_call USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_call_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_left_ts_idx1 ON public.hep_call_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_call_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_to_user_ts ON ONLY public.hep_call USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_call_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_left_ts_idx2 ON public.hep_call_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_call_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_src_ip ON ONLY public.hep_call USING btree (src_ip);


--
-- Name: hep_call_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_src_ip_idx ON public.hep_call_default USING btree (src_ip);


--
-- Name: hep_call_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_ts ON ONLY public.hep_call USING btree (ts);


--
-- Name: hep_call_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_call_default_ts_idx ON public.hep_call_default USING btree (ts);


--
-- Name: hep_default_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_call_id_ts ON ONLY public.hep_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_default_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_correlation_id ON ONLY public.hep_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_default_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_dst_ip ON ONLY public.hep_default USING btree (dst_ip);


--
-- Name: hep_default_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_dst_ip_idx ON public.hep_default_default USING btree (dst_ip);


--
-- Name: hep_default_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_fields ON ONLY public.hep_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_default_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_fields_idx ON public.hep_default_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_default_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_left_idx ON public.hep_default_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_default_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_left_ts_idx ON public.hep_default_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_default_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_from_user_ts ON ONLY public.hep_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_default_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_left_ts_idx1 ON public.hep_default_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_default_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_to_user_ts ON ONLY public.hep_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_default_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_left_ts_idx2 ON public.hep_default_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_default_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_src_ip ON ONLY public.hep_default USING btree (src_ip);


--
-- Name: hep_default_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_src_ip_idx ON public.hep_default_default USING btree (src_ip);


--
-- Name: hep_default_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_ts ON ONLY public.hep_default USING btree (ts);


--
-- Name: hep_default_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_default_default_ts_idx ON public.hep_default_default USING btree (ts);


--
-- Name: hep_generic_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_call_id_ts ON ONLY public.hep_generic USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_generic_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_correlation_id ON ONLY public.hep_generic USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_generic_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_dst_ip ON ONLY public.hep_generic USING btree (dst_ip);


--
-- Name: hep_generic_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_dst_ip_idx ON public.hep_generic_default USING btree (dst_ip);


--
-- Name: hep_generic_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_fields ON ONLY public.hep_generic USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_generic_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_fields_idx ON public.hep_generic_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_generic_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_left_idx ON public.hep_generic_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_generic_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_left_ts_idx ON public.hep_generic_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_generic_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_from_user_ts ON ONLY public.hep_generic USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_generic_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_left_ts_idx1 ON public.hep_generic_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_generic_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_to_user_ts ON ONLY public.hep_generic USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_generic_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_left_ts_idx2 ON public.hep_generic_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_generic_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_src_ip ON ONLY public.hep_generic USING btree (src_ip);


--
-- Name: hep_generic_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_src_ip_idx ON public.hep_generic_default USING btree (src_ip);


--
-- Name: hep_generic_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_ts ON ONLY public.hep_generic USING btree (ts);


--
-- Name: hep_generic_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_generic_default_ts_idx ON public.hep_generic_default USING btree (ts);


--
-- Name: hep_log_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_call_id_ts ON ONLY public.hep_log USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_log_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_correlation_id ON ONLY public.hep_log USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_log_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_dst_ip ON ONLY public.hep_log USING btree (dst_ip);


--
-- Name: hep_log_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_dst_ip_idx ON public.hep_log_default USING btree (dst_ip);


--
-- Name: hep_log_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_fields ON ONLY public.hep_log USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_log_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_fields_idx ON public.hep_log_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_log_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_left_idx ON public.hep_log_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_log_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_left_ts_idx ON public.hep_log_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_log_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_from_user_ts ON ONLY public.hep_log USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_log_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_left_ts_idx1 ON public.hep_log_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_log_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_to_user_ts ON ONLY public.hep_log USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_log_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_left_ts_idx2 ON public.hep_log_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_log_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_src_ip ON ONLY public.hep_log USING btree (src_ip);


--
-- Name: hep_log_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_src_ip_idx ON public.hep_log_default USING btree (src_ip);


--
-- Name: hep_log_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_ts ON ONLY public.hep_log USING btree (ts);


--
-- Name: hep_log_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_log_default_ts_idx ON public.hep_log_default USING btree (ts);


--
-- Name: hep_qos_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_call_id_ts ON ONLY public.hep_qos USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_qos_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_correlation_id ON ONLY public.hep_qos USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_qos_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_dst_ip ON ONLY public.hep_qos USING btree (dst_ip);


--
-- Name: hep_qos_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_dst_ip_idx ON public.hep_qos_default USING btree (dst_ip);


--
-- Name: hep_qos_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_fields ON ONLY public.hep_qos USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_qos_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_fields_idx ON public.hep_qos_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_qos_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_left_idx ON public.hep_qos_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_qos_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_left_ts_idx ON public.hep_qos_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_qos_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_from_user_ts ON ONLY public.hep_qos USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_qos_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_left_ts_idx1 ON public.hep_qos_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_qos_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_to_user_ts ON ONLY public.hep_qos USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_qos_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_left_ts_idx2 ON public.hep_qos_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_qos_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_src_ip ON ONLY public.hep_qos USING btree (src_ip);


--
-- Name: hep_qos_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_src_ip_idx ON public.hep_qos_default USING btree (src_ip);


--
-- Name: hep_qos_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_ts ON ONLY public.hep_qos USING btree (ts);


--
-- Name: hep_qos_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_qos_default_ts_idx ON public.hep_qos_default USING btree (ts);


--
-- Name: hep_registration_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_call_id_ts ON ONLY public.hep_registration USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_registration_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_correlation_id ON ONLY public.hep_registration USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_registration_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_dst_ip ON ONLY public.hep_registration USING btree (dst_ip);


--
-- Name: hep_registration_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_dst_ip_idx ON public.hep_registration_default USING btree (dst_ip);


--
-- Name: hep_registration_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_fields ON ONLY public.hep_registration USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_registration_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_fields_idx ON public.hep_registration_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_registration_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_left_idx ON public.hep_registration_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_registration_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_left_ts_idx ON public.hep_registration_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_registration_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_from_user_ts ON ONLY public.hep_registration USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_registration_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_left_ts_idx1 ON public.hep_registration_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_registration_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_to_user_ts ON ONLY public.hep_registration USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_registration_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_left_ts_idx2 ON public.hep_registration_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_registration_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_src_ip ON ONLY public.hep_registration USING btree (src_ip);


--
-- Name: hep_registration_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_src_ip_idx ON public.hep_registration_default USING btree (src_ip);


--
-- Name: hep_registration_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_ts ON ONLY public.hep_registration USING btree (ts);


--
-- Name: hep_registration_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_registration_default_ts_idx ON public.hep_registration_default USING btree (ts);


--
-- Name: hep_rtcp_call_id_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_call_id_ts ON ONLY public.hep_rtcp USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_rtcp_correlation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_correlation_id ON ONLY public.hep_rtcp USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_rtcp_dst_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_dst_ip ON ONLY public.hep_rtcp USING btree (dst_ip);


--
-- Name: hep_rtcp_default_dst_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_dst_ip_idx ON public.hep_rtcp_default USING btree (dst_ip);


--
-- Name: hep_rtcp_fields; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_fields ON ONLY public.hep_rtcp USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_rtcp_default_fields_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_fields_idx ON public.hep_rtcp_default USING gin (fields jsonb_path_ops) WHERE (fields IS NOT NULL);


--
-- Name: hep_rtcp_default_left_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_left_idx ON public.hep_rtcp_default USING btree ("left"(correlation_id, 256)) WHERE (correlation_id IS NOT NULL);


--
-- Name: hep_rtcp_default_left_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_left_ts_idx ON public.hep_rtcp_default USING btree ("left"(call_id, 256), ts);


--
-- Name: hep_rtcp_from_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_from_user_ts ON ONLY public.hep_rtcp USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_rtcp_default_left_ts_idx1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_left_ts_idx1 ON public.hep_rtcp_default USING btree ("left"(from_user, 256), ts);


--
-- Name: hep_rtcp_to_user_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_to_user_ts ON ONLY public.hep_rtcp USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_rtcp_default_left_ts_idx2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_left_ts_idx2 ON public.hep_rtcp_default USING btree ("left"(to_user, 256), ts);


--
-- Name: hep_rtcp_src_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_src_ip ON ONLY public.hep_rtcp USING btree (src_ip);


--
-- Name: hep_rtcp_default_src_ip_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_src_ip_idx ON public.hep_rtcp_default USING btree (src_ip);


--
-- Name: hep_rtcp_ts; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_ts ON ONLY public.hep_rtcp USING btree (ts);


--
-- Name: hep_rtcp_default_ts_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX hep_rtcp_default_ts_idx ON public.hep_rtcp_default USING btree (ts);


--
-- Name: quarantine_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX quarantine_at ON public.quarantine USING btree (quarantined_at);


--
-- Name: quarantine_waiting; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX quarantine_waiting ON public.quarantine USING btree (kind, id) WHERE (replayed_at IS NULL);


--
-- Name: share_links_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX share_links_user_id ON public.share_links USING btree (user_id);


--
-- Name: hep_call_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_dst_ip ATTACH PARTITION public.hep_call_default_dst_ip_idx;


--
-- Name: hep_call_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_fields ATTACH PARTITION public.hep_call_default_fields_idx;


--
-- Name: hep_call_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_correlation_id ATTACH PARTITION public.hep_call_default_left_idx;


--
-- Name: hep_call_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_call_id_ts ATTACH PARTITION public.hep_call_default_left_ts_idx;


--
-- Name: hep_call_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_from_user_ts ATTACH PARTITION public.hep_call_default_left_ts_idx1;


--
-- Name: hep_call_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_to_user_ts ATTACH PARTITION public.hep_call_default_left_ts_idx2;


--
-- Name: hep_call_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_src_ip ATTACH PARTITION public.hep_call_default_src_ip_idx;


--
-- Name: hep_call_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_call_ts ATTACH PARTITION public.hep_call_default_ts_idx;


--
-- Name: hep_default_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_dst_ip ATTACH PARTITION public.hep_default_default_dst_ip_idx;


--
-- Name: hep_default_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_fields ATTACH PARTITION public.hep_default_default_fields_idx;


--
-- Name: hep_default_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_correlation_id ATTACH PARTITION public.hep_default_default_left_idx;


--
-- Name: hep_default_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_call_id_ts ATTACH PARTITION public.hep_default_default_left_ts_idx;


--
-- Name: hep_default_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_from_user_ts ATTACH PARTITION public.hep_default_default_left_ts_idx1;


--
-- Name: hep_default_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_to_user_ts ATTACH PARTITION public.hep_default_default_left_ts_idx2;


--
-- Name: hep_default_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_src_ip ATTACH PARTITION public.hep_default_default_src_ip_idx;


--
-- Name: hep_default_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_default_ts ATTACH PARTITION public.hep_default_default_ts_idx;


--
-- Name: hep_generic_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_dst_ip ATTACH PARTITION public.hep_generic_default_dst_ip_idx;


--
-- Name: hep_generic_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_fields ATTACH PARTITION public.hep_generic_default_fields_idx;


--
-- Name: hep_generic_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_correlation_id ATTACH PARTITION public.hep_generic_default_left_idx;


--
-- Name: hep_generic_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_call_id_ts ATTACH PARTITION public.hep_generic_default_left_ts_idx;


--
-- Name: hep_generic_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_from_user_ts ATTACH PARTITION public.hep_generic_default_left_ts_idx1;


--
-- Name: hep_generic_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_to_user_ts ATTACH PARTITION public.hep_generic_default_left_ts_idx2;


--
-- Name: hep_generic_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_src_ip ATTACH PARTITION public.hep_generic_default_src_ip_idx;


--
-- Name: hep_generic_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_generic_ts ATTACH PARTITION public.hep_generic_default_ts_idx;


--
-- Name: hep_log_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_dst_ip ATTACH PARTITION public.hep_log_default_dst_ip_idx;


--
-- Name: hep_log_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_fields ATTACH PARTITION public.hep_log_default_fields_idx;


--
-- Name: hep_log_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_correlation_id ATTACH PARTITION public.hep_log_default_left_idx;


--
-- Name: hep_log_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_call_id_ts ATTACH PARTITION public.hep_log_default_left_ts_idx;


--
-- Name: hep_log_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_from_user_ts ATTACH PARTITION public.hep_log_default_left_ts_idx1;


--
-- Name: hep_log_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_to_user_ts ATTACH PARTITION public.hep_log_default_left_ts_idx2;


--
-- Name: hep_log_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_src_ip ATTACH PARTITION public.hep_log_default_src_ip_idx;


--
-- Name: hep_log_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_log_ts ATTACH PARTITION public.hep_log_default_ts_idx;


--
-- Name: hep_qos_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_dst_ip ATTACH PARTITION public.hep_qos_default_dst_ip_idx;


--
-- Name: hep_qos_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_fields ATTACH PARTITION public.hep_qos_default_fields_idx;


--
-- Name: hep_qos_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_correlation_id ATTACH PARTITION public.hep_qos_default_left_idx;


--
-- Name: hep_qos_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_call_id_ts ATTACH PARTITION public.hep_qos_default_left_ts_idx;


--
-- Name: hep_qos_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_from_user_ts ATTACH PARTITION public.hep_qos_default_left_ts_idx1;


--
-- Name: hep_qos_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_to_user_ts ATTACH PARTITION public.hep_qos_default_left_ts_idx2;


--
-- Name: hep_qos_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_src_ip ATTACH PARTITION public.hep_qos_default_src_ip_idx;


--
-- Name: hep_qos_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_qos_ts ATTACH PARTITION public.hep_qos_default_ts_idx;


--
-- Name: hep_registration_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_dst_ip ATTACH PARTITION public.hep_registration_default_dst_ip_idx;


--
-- Name: hep_registration_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_fields ATTACH PARTITION public.hep_registration_default_fields_idx;


--
-- Name: hep_registration_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_correlation_id ATTACH PARTITION public.hep_registration_default_left_idx;


--
-- Name: hep_registration_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_call_id_ts ATTACH PARTITION public.hep_registration_default_left_ts_idx;


--
-- Name: hep_registration_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_from_user_ts ATTACH PARTITION public.hep_registration_default_left_ts_idx1;


--
-- Name: hep_registration_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_to_user_ts ATTACH PARTITION public.hep_registration_default_left_ts_idx2;


--
-- Name: hep_registration_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_src_ip ATTACH PARTITION public.hep_registration_default_src_ip_idx;


--
-- Name: hep_registration_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_registration_ts ATTACH PARTITION public.hep_registration_default_ts_idx;


--
-- Name: hep_rtcp_default_dst_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_dst_ip ATTACH PARTITION public.hep_rtcp_default_dst_ip_idx;


--
-- Name: hep_rtcp_default_fields_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_fields ATTACH PARTITION public.hep_rtcp_default_fields_idx;


--
-- Name: hep_rtcp_default_left_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_correlation_id ATTACH PARTITION public.hep_rtcp_default_left_idx;


--
-- Name: hep_rtcp_default_left_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_call_id_ts ATTACH PARTITION public.hep_rtcp_default_left_ts_idx;


--
-- Name: hep_rtcp_default_left_ts_idx1; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_from_user_ts ATTACH PARTITION public.hep_rtcp_default_left_ts_idx1;


--
-- Name: hep_rtcp_default_left_ts_idx2; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_to_user_ts ATTACH PARTITION public.hep_rtcp_default_left_ts_idx2;


--
-- Name: hep_rtcp_default_src_ip_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_src_ip ATTACH PARTITION public.hep_rtcp_default_src_ip_idx;


--
-- Name: hep_rtcp_default_ts_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.hep_rtcp_ts ATTACH PARTITION public.hep_rtcp_default_ts_idx;


--
-- Name: api_tokens api_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: dashboards dashboards_owner_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dashboards
    ADD CONSTRAINT dashboards_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: share_links share_links_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.share_links
    ADD CONSTRAINT share_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


