-- Tablets standing on a desk (kiosk mode), the alternative to scanning the desk's QR code. A staff
-- member creates a one-time enrolment code for one desk; the tablet that types it in receives a
-- long-lived cookie. Only hashes are kept: a leaked table neither enrols a tablet nor impersonates one.
create table kiosks (
    id bigint generated always as identity primary key,
    desk_id bigint not null references desks (id),
    label text not null,
    -- Until a tablet uses it: the enrolment code's hash and when it stops working.
    enrol_code_hash text unique,
    enrol_expires_at bigint,
    -- Once enrolled: the hash of the token in the tablet's cookie.
    token_hash text unique,
    enrolled_by bigint not null references users (id),
    enrolled_at bigint,
    revoked_at bigint,
    revoked_by bigint references users (id),
    last_seen_at bigint,
    created_at bigint not null
);
create index kiosks_desk on kiosks (desk_id);

-- The tablet a rating came from (responses with channel 'kiosk'), so a revoked tablet's ratings
-- can be found and reviewed.
alter table responses add column kiosk_id bigint references kiosks (id);
create index responses_kiosk on responses (kiosk_id);
