-- Self-assessment (tự đánh giá) of a commune under one criteria set, and its appraisal (thẩm định).
-- One dossier per commune and criteria set; its state moves draft → submitted → appraised →
-- finalised, or back to returned for correction. Points are hundredths of a point (integers),
-- as in the scoring engine, so sums and comparisons are exact on both databases.
create table assessments (
    id bigint generated always as identity primary key,
    unit_id bigint not null references admin_units (id),
    criteria_id text not null,
    criteria_version bigint not null,
    state text not null check (state in ('draft', 'submitted', 'returned', 'appraised', 'finalised')),
    -- The reviewer's reason when the dossier was last returned, shown to the commune.
    return_reason text,
    updated_at bigint not null,
    created_at bigint not null,
    unique (unit_id, criteria_id)
);

-- One row per leaf of the criteria set that someone entered: the commune's points and evidence,
-- and the appraiser's points and reason. Every change is also written to audit_log (old → new).
create table assessment_entries (
    assessment_id bigint not null references assessments (id),
    leaf_id text not null,
    self_points bigint,
    evidence_note text not null default '',
    evidence_link text not null default '',
    appraised_points bigint,
    appraisal_reason text,
    updated_by bigint references users (id),
    updated_at bigint not null,
    created_at bigint not null,
    primary key (assessment_id, leaf_id)
);

-- Scores taken from other systems (e.g. the provincial PAR index), on their own scale.
create table imported_scores (
    unit_id bigint not null references admin_units (id),
    criteria_id text not null,
    leaf_id text not null,
    score bigint not null,
    source text not null,
    created_at bigint not null,
    primary key (unit_id, criteria_id, leaf_id)
);

-- A stored score run: every commune scored at one moment, with what is needed to reproduce it
-- (the definitions' versions and each commune's full input), and hashes to prove it unchanged.
create table score_runs (
    id bigint generated always as identity primary key,
    criteria_id text not null,
    criteria_version bigint not null,
    survey_versions text not null,
    period_from text not null,
    period_to text not null,
    communes bigint not null,
    run_hash text not null,
    created_by text not null,
    created_at bigint not null
);
create index score_runs_criteria on score_runs (criteria_id, id);

create table score_results (
    run_id bigint not null references score_runs (id),
    unit_id bigint not null references admin_units (id),
    total bigint not null,
    passed bigint not null,
    grade text,
    sufficient bigint not null,
    input_hash text not null,
    output_hash text not null,
    input_json text not null,
    report_json text not null,
    created_at bigint not null,
    primary key (run_id, unit_id)
);
