-- Single sign-on through the province's identity service (OpenID Connect, issue 35).

-- A sign-in begun at the provider and not yet back: what the callback must match. `state` is
-- kept as its hash, and `browser_hash` (the hash of the `hl_sso` cookie) ties the flow to the
-- browser that began it. A row is deleted when used, so a state is good once.
create table sso_flows (
    state_hash text primary key,
    browser_hash text not null,
    nonce text not null,
    pkce_verifier text not null,
    next_path text not null,
    expires_at bigint not null,
    created_at bigint not null
);
create index sso_flows_expiry on sso_flows (expires_at);

-- A person at the provider (its issuer and stable subject) and the account they sign in to.
create table sso_identities (
    issuer text not null,
    subject text not null,
    user_id bigint not null references users (id),
    last_seen_at bigint not null,
    created_at bigint not null,
    primary key (issuer, subject)
);
create index sso_identities_user on sso_identities (user_id);

-- The admin's mappings: a claim's value gives a role and a unit, the unit a fixed code or the
-- value of another claim.
create table sso_mappings (
    id bigint generated always as identity primary key,
    claim text not null,
    claim_value text not null,
    role text not null,
    unit_code text,
    unit_claim text,
    created_by text not null,
    created_at bigint not null,
    unique (claim, claim_value)
);

-- An existing account the admin lets be matched once by a verified e-mail address.
create table sso_email_links (
    user_id bigint primary key references users (id),
    email text not null unique,
    created_by text not null,
    created_at bigint not null
);

-- The province's choice to require single sign-on of every account but the break-glass ones.
create table sso_settings (
    id bigint primary key check (id = 1),
    require_sso bigint not null default 0,
    updated_by text not null,
    updated_at bigint not null,
    created_at bigint not null
);

-- Break-glass accounts sign in with their password even when single sign-on is required; the
-- province admins of today keep that right. Accounts made from claims follow the claims.
alter table users add column break_glass bigint not null default 0;
alter table users add column claims_managed bigint not null default 0;
update users set break_glass = 1 where role = 'province_admin';

-- Where the provider ends its own session at sign-out (RP-initiated logout), for a session
-- opened through it.
alter table sessions add column sso_logout_url text;
