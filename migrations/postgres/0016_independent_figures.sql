-- Figures of the province's own satisfaction survey (the Sở Nội vụ's SIPAS forms sent to the
-- people of each commune), per commune, period and element, as `hailong independent import`
-- loads them. They are shown beside the desk's figures, flag a desk whose share is far above
-- them, and feed the leaves of criteria sets whose source is `independent_survey`.
create table independent_figures (
    id bigint generated always as identity primary key,
    survey text not null,
    unit_id bigint not null references admin_units (id),
    period_from text not null,
    period_to text not null,
    element text not null,
    sample bigint not null check (sample > 0),
    -- The satisfied share in hundredths of a percent (7050 = 70.50%).
    satisfied_bp bigint not null check (satisfied_bp between 0 and 10000),
    source text not null,
    imported_by text not null,
    created_at bigint not null,
    unique (survey, unit_id, period_from, period_to, element)
);
create index independent_figures_unit on independent_figures (unit_id);
