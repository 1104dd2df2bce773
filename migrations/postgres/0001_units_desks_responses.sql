-- Administrative units (province, district, commune) with validity dates: communes are merged,
-- split and renamed (the 2025 reform), and history must stay attached to the unit of its time.
create table admin_units (
    id bigint generated always as identity primary key,
    code text not null,
    level text not null check (level in ('province', 'district', 'commune')),
    kind text not null,
    name text not null,
    parent_id bigint references admin_units (id),
    valid_from text not null,
    valid_to text,
    created_at bigint not null,
    unique (code, valid_from)
);
create index admin_units_parent on admin_units (parent_id);

-- One-stop desks ("Bộ phận tiếp nhận và trả kết quả"); each carries a QR code with its public code.
create table desks (
    id bigint generated always as identity primary key,
    public_code text not null unique,
    commune_id bigint not null references admin_units (id),
    name text not null,
    name_en text not null,
    survey_id text not null,
    valid_from text not null,
    valid_to text,
    replaced_by bigint references desks (id),
    created_at bigint not null
);
create index desks_commune on desks (commune_id);

-- One row per submitted survey; the answers are rows of `answers` (one per question answered).
create table responses (
    id bigint generated always as identity primary key,
    idempotency_key text not null unique,
    desk_id bigint not null references desks (id),
    survey_id text not null,
    survey_version bigint not null,
    lang text not null,
    channel text not null,
    dossier_code text,
    created_at bigint not null
);
create index responses_desk_time on responses (desk_id, created_at);

create table answers (
    response_id bigint not null references responses (id) on delete cascade,
    question_id text not null,
    value_int bigint,
    value_text text,
    primary key (response_id, question_id)
);
