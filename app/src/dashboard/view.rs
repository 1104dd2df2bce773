//! The live part of the commune page. Everything renders on the server (the trend chart is SVG),
//! so the page is complete without JavaScript and fresh on every reload; `app/script/dashboard.js`
//! then keeps every figure marked `data-live-key` current from the server-sent event stream:
//! each key is the figure's path in the JSON the stream sends, which is the very text the page
//! was rendered from.

use leptos::prelude::*;

use crate::components::asset_url;
use crate::dashboard::api::{AnswerSources, Dashboard, FeedbackItem, TrendDay};
use crate::dashboard::heatmap::HeatMap;
use crate::figures::{DeskText, FiguresText, WindowText, LAST_30_DAYS};
use crate::forms::{error_under, kept_value, RefusedForm};
use crate::i18n::{use_lang, Lang};
use crate::scores::standing::Standing;

/// Today / 7 days / 30 days / period figures; `dashboard.js` keeps them current.
#[component]
fn LiveFigures(commune: String, windows: Vec<WindowText>, lang: Lang) -> impl IntoView {
    let rows = windows
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            view! {
                <tr data-window=i>
                    <th scope="row">
                        {w.label} <br />
                        <small data-live-key=format!("windows.{i}.figure.period")>
                            {w.figure.period}
                        </small>
                    </th>
                    <td class="num live-n" data-live-key=format!("windows.{i}.figure.responses")>
                        {w.figure.responses}
                    </td>
                    <td class="num live-share" data-live-key=format!("windows.{i}.figure.satisfied")>
                        {w.figure.satisfied}
                    </td>
                    <td
                        class="num live-interval"
                        data-live-key=format!("windows.{i}.figure.interval")
                    >
                        {w.figure.interval}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let url = match lang {
        Lang::Vi | Lang::Supplied(_) => format!("/commune/live?commune={commune}"),
        Lang::En => format!("/commune/live?commune={commune}&lang=en"),
    };
    view! {
        <table class="figures live" data-live="false" data-live-url=url>
            <thead>
                <tr>
                    <th scope="col">"Thời gian"</th>
                    <th scope="col">"Số phiếu"</th>
                    <th scope="col">"Hài lòng chung"</th>
                    <th scope="col">"Khoảng tin cậy 95%"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <script src=asset_url("dashboard.js") defer></script>
    }
    .into_any()
}

/// What a chairman asks first, on the first screen: the last 30 days' satisfied share and its
/// change, where the commune stands against the criteria set, and the complaints still open.
fn t_new_items(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi | Lang::Supplied(_) => "Số ý kiến chưa giải quyết vừa thay đổi.",
        Lang::En => "The number of open items has just changed.",
    }
}

/// The share and its change are the live figures (`data-live-key`), the same text the table
/// below shows.
#[component]
pub fn ChairmanPanel(
    figures: FiguresText,
    standing: Option<Standing>,
    /// The province's survey disagrees with the desk's beyond sampling error.
    steering: Option<String>,
) -> impl IntoView {
    let lang = crate::i18n::use_lang().get_untracked();
    // The page's language: the figures come written in it, the headings are chosen here.
    let t = move |vi: &'static str, en: &'static str| if lang == Lang::En { en } else { vi };
    let w = format!("windows.{LAST_30_DAYS}.figure");
    let last_30 = figures
        .windows
        .get(LAST_30_DAYS)
        .map(|w| w.figure.clone())
        .unwrap_or_default();
    let standing = standing.map(|s| {
        view! {
            <div class="standing">
                <h2>{t("Điểm và xếp hạng", "Points and rank")}</h2>
                <p class="criteria">{s.criteria}</p>
                <dl>
                    <dt>{t("Điểm từ ý kiến người dân (tạm tính đến hôm nay)", "Points from citizens' answers (provisional, to today)")}</dt>
                    <dd class="citizen-points">{s.citizen_points}</dd>
                    <dt>{t("Tổng điểm tạm tính", "Provisional total")}</dt>
                    <dd class="total-points">{s.total} " — " {s.grade}</dd>
                    <dt>{t("Mức tiếp theo", "Next grade")}</dt>
                    <dd class="next-grade">{s.next}</dd>
                    <dt>{t("Xếp hạng trong tỉnh", "Rank in the province")}</dt>
                    <dd class="rank">{s.rank}</dd>
                </dl>
            </div>
        }
    });
    let steering = steering.map(|note| {
        view! {
            <p class="steering" role="alert">
                <a href="#khao-sat-doc-lap">{note}</a>
            </p>
        }
    });
    view! {
        {steering}
        <section class="chairman" aria-label=t("Tóm tắt", "Summary")>
            <div class="headline-share">
                <h2>{t("Tỷ lệ hài lòng 30 ngày qua", "Satisfied, last 30 days")}</h2>
                <p class="big-figure" data-live-key=format!("{w}.satisfied")>
                    {last_30.satisfied}
                </p>
                <p class="big-meta">
                    <span data-live-key=format!("{w}.responses")>{last_30.responses}</span>
                    {t(" phiếu · khoảng tin cậy 95%: ", " answers · 95% interval: ")}
                    <span data-live-key=format!("{w}.interval")>{last_30.interval}</span>
                    " · "
                    <span data-live-key=format!("{w}.period")>{last_30.period}</span>
                </p>
                <p class="change">
                    <strong data-live-key="change_30">{figures.change_30}</strong>
                    {t(" so với 30 ngày trước đó (", " against the 30 days before (")}
                    <span data-live-key="previous_30.figure.period">
                        {figures.previous_30.figure.period}
                    </span>
                    ": "
                    <span data-live-key="previous_30.figure.satisfied">
                        {figures.previous_30.figure.satisfied}
                    </span>
                    ")"
                </p>
            </div>
            {standing}
            <div class="backlog">
                <h2>{t("Phiếu chưa hài lòng (mức 1–3) chưa giải quyết", "Answers not satisfied (1–3) still open")}</h2>
                <p class="big-figure open-items" data-live-key="open_items">
                    {figures.open_items.clone()}
                </p>
                <a class="button" href="#theo-doi">
                    {t("Xem và xử lý", "See and follow up")}
                </a>
            </div>
        </section>
    }
    .into_any()
}

/// The overall question and the five SIPAS elements as bars, the least satisfied first: what
/// to work on is at the top. Each row keeps its place in the live figures (`elements.{i}`), so
/// an update rewrites the right row; the order is the page's, renewed on reload.
#[component]
fn ElementBars(elements: Vec<WindowText>) -> impl IntoView {
    let mut order: Vec<usize> = (0..elements.len()).collect();
    let share = |e: &WindowText| {
        e.figure
            .bar
            .parse::<f64>()
            .ok()
            .filter(|_| e.figure.rated != "0")
    };
    order.sort_by(|a, b| {
        let (a, b) = (share(&elements[*a]), share(&elements[*b]));
        match (a, b) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    let period = elements
        .first()
        .map(|e| e.figure.period.clone())
        .unwrap_or_default();
    let rows = order
        .into_iter()
        .map(|i| {
            let e = elements[i].clone();
            let key = move |field: &str| format!("elements.{i}.figure.{field}");
            view! {
                <tr data-element=i>
                    <th scope="row">{e.label}</th>
                    <td class="bar-cell">
                        // A meter, not a styled span: the page's CSP allows no inline style.
                        <meter
                            min="0"
                            max="100"
                            value=e.figure.bar.clone()
                            data-live-value-key=key("bar")
                        >
                            {e.figure.satisfied.clone()}
                        </meter>
                    </td>
                    <td class="num" data-live-key=key("satisfied")>{e.figure.satisfied}</td>
                    <td class="num" data-live-key=key("rated")>{e.figure.rated}</td>
                    <td class="num" data-live-key=key("interval")>{e.figure.interval}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="elements">
            <caption>{period} " — yếu tố kém nhất ở trên"</caption>
            <thead>
                <tr>
                    <th scope="col">"Yếu tố"</th>
                    <th scope="col">"Tỷ lệ hài lòng"</th>
                    <th scope="col">"%"</th>
                    <th scope="col">"Số câu trả lời"</th>
                    <th scope="col">"Khoảng tin cậy 95%"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Responses by weekday (rows) and hour (columns) over the last 30 days: the darker the cell,
/// the more answers; each cell says its count and satisfied share.
#[component]
fn HeatMapView(map: HeatMap) -> impl IntoView {
    let head = map
        .hours
        .iter()
        .map(|h| view! { <th scope="col">{format!("{h}h")}</th> })
        .collect_view();
    let rows = map
        .rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .map(|c| {
                    let title = format!("{} phiếu, hài lòng {}", c.responses, c.satisfied);
                    let filled = c.responses > 0;
                    view! {
                        <td
                            class=format!("heat shade-{}", c.shade)
                            class:unhappy=c.unhappy
                            title=title
                        >
                            {filled
                                .then(|| {
                                    view! {
                                        {c.responses.to_string()}
                                        <small>{c.satisfied.clone()}</small>
                                    }
                                })}
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{row.weekday}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="heatmap-wrap">
            <table class="heatmap">
                <caption>
                    "Số phiếu và tỷ lệ hài lòng theo thứ và giờ trong 30 ngày qua: ô càng đậm càng nhiều phiếu; ô viền đỏ: dưới một nửa số người hài lòng"
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Thứ"</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The province's own survey beside the desk's, each with its 95% interval, flagged where the
/// desk is far above beyond sampling error.
#[component]
fn IndependentView(rows: Vec<crate::independent::ComparisonText>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|r| {
            view! {
                <tr class:steering=r.steering>
                    <th scope="row">{r.period} <br /> <small>{r.element}</small></th>
                    <td class="num">{r.desk_share} <br /> <small>{r.desk_interval}</small></td>
                    <td class="num">{r.desk_rated}</td>
                    <td class="num">{r.share} <br /> <small>{r.interval}</small></td>
                    <td class="num">{r.sample}</td>
                    <td>{r.source} {(!r.note.is_empty()).then(|| view! { <p class="steering-note">{r.note}</p> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2 id="khao-sat-doc-lap">"Khảo sát độc lập của tỉnh so với phiếu tại quầy"</h2>
        <div class="heatmap-wrap">
            <table class="independent">
                <thead>
                    <tr>
                        <th scope="col">"Thời gian, yếu tố"</th>
                        <th scope="col">"Tại quầy (KTC 95%)"</th>
                        <th scope="col">"Số câu trả lời tại quầy"</th>
                        <th scope="col">"Khảo sát của tỉnh (KTC 95%)"</th>
                        <th scope="col">"Số người được khảo sát"</th>
                        <th scope="col">"Nguồn"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The headline above the dashboard: the last 30 days and since the beginning, the same
/// figures as the table below (and kept current with it).
#[component]
pub fn Headline(figures: FiguresText) -> impl IntoView {
    let last_30 = figures.windows.get(LAST_30_DAYS).cloned();
    let row = |key: String, w: WindowText, class: &'static str| {
        view! {
            <tr>
                <th scope="row">
                    {w.label} <br />
                    <small data-live-key=format!("{key}.figure.period")>{w.figure.period}</small>
                </th>
                <td class=format!("num {class}") data-live-key=format!("{key}.figure.responses")>
                    {w.figure.responses}
                </td>
                <td class="num" data-live-key=format!("{key}.figure.satisfied")>
                    {w.figure.satisfied}
                </td>
                <td class="num" data-live-key=format!("{key}.figure.interval")>
                    {w.figure.interval}
                </td>
            </tr>
        }
    };
    view! {
        <table class="figures headline">
            <thead>
                <tr>
                    <th scope="col">"Thời gian"</th>
                    <th scope="col">"Số phiếu"</th>
                    <th scope="col">"Tỷ lệ hài lòng"</th>
                    <th scope="col">"Khoảng tin cậy 95%"</th>
                </tr>
            </thead>
            <tbody>
                {last_30.map(|w| row(format!("windows.{LAST_30_DAYS}"), w, "n-30"))}
                {row("all_time".into(), figures.all_time, "n-all")}
            </tbody>
        </table>
    }
    .into_any()
}

/// The units whose desks gave the answers behind the figures since the beginning: the units
/// the commune was formed from, each with its days in force and its responses, then the commune.
#[component]
pub fn AnswerSourcesView(sources: AnswerSources) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let (title, intro, unit, in_force, responses, today) = match lang {
        Lang::Vi | Lang::Supplied(_) => (
            "Đơn vị trước sắp xếp",
            "Số liệu từ trước đến nay gồm cả phiếu đánh giá tại quầy của các đơn vị trước sắp xếp",
            "Đơn vị",
            "Thời gian hoạt động",
            "Số phiếu",
            "đơn vị hiện nay",
        ),
        Lang::En => (
            "Units before the reorganisation",
            "The figures since the beginning include the answers given at the desks of the units before the reorganisation",
            "Unit",
            "In force",
            "Responses",
            "today's unit",
        ),
    };
    let rows = sources
        .units
        .into_iter()
        .map(|u| {
            let name = if u.predecessor {
                u.name
            } else {
                format!("{} ({today})", u.name)
            };
            view! {
                <tr class:own=!u.predecessor>
                    <th scope="row">{name}</th>
                    <td>{u.validity}</td>
                    <td class="num">{u.responses}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="answer-sources">
            <h2>{title}</h2>
            <p>{format!("{intro} ({}).", sources.period)}</p>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{unit}</th>
                        <th scope="col">{in_force}</th>
                        <th scope="col">{responses}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// Responses per day as bars and the satisfied share as a line, drawn on the server.
#[component]
fn TrendChart(days: Vec<TrendDay>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 160.0;
    let max = days.iter().map(|d| d.responses).max().unwrap_or(0).max(1) as f64;
    let step = W / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = d.responses as f64 / max * (H - 20.0);
            view! {
                <rect
                    x=format!("{:.1}", i as f64 * step + 1.0)
                    y=format!("{:.1}", H - h)
                    width=format!("{:.1}", (step - 2.0).max(1.0))
                    height=format!("{h:.1}")
                    class="bar"
                >
                    <title>{format!("{}: {} phiếu", d.day, d.responses)}</title>
                </rect>
            }
        })
        .collect_view();
    let line: Vec<String> = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            d.share.map(|s| {
                format!(
                    "{:.1},{:.1}",
                    i as f64 * step + step / 2.0,
                    H - s * (H - 20.0)
                )
            })
        })
        .collect();
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    view! {
        <figure class="trend">
            <svg
                viewBox=format!("0 0 {W} {H}")
                role="img"
                aria-label="Số phiếu mỗi ngày (cột) và tỷ lệ hài lòng (đường) trong 30 ngày qua"
            >
                {bars}
                <polyline points=line.join(" ") class="share-line" />
            </svg>
            <figcaption>
                {format!(
                    "Cột: số phiếu mỗi ngày; đường: tỷ lệ hài lòng chung (0–100%). Từ {first} đến {last}."
                )}
            </figcaption>
        </figure>
    }
    .into_any()
}

#[component]
fn DeskRows(desks: Vec<DeskText>, csrf: String, can_enter: bool) -> impl IntoView {
    let rows = desks
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let key = |field: &str| format!("desks.{i}.{field}");
            view! {
                <tr data-desk=d.code.clone() class:data-problem=d.data_problem>
                    <td>{d.name.clone()}</td>
                    <td class="num" data-live-key=key("figure.responses")>
                        {d.figure.responses.clone()}
                    </td>
                    <td class="num" data-live-key=key("figure.satisfied")>
                        {d.figure.satisfied.clone()}
                    </td>
                    <td class="num dossiers" data-live-key=key("dossiers")>
                        {d.dossiers.clone()}
                    </td>
                    <td class="num rate" data-live-key=key("rate")>{d.rate.clone()}</td>
                    <td class="note" data-live-key=key("note")>{d.note.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let refused = RefusedForm::of("/commune/dossiers");
    let chosen = kept_value(&refused, "desk", String::new());
    let day = kept_value(&refused, "day", String::new());
    let handled = kept_value(&refused, "handled", String::new());
    let day_error = error_under(&refused, "day", "err-dossier-day");
    let handled_error = error_under(&refused, "handled", "err-dossier-handled");
    let options = desks
        .iter()
        .map(|d| {
            let id = d.id.to_string();
            let selected = id == chosen;
            view! { <option value=id selected=selected>{d.name.clone()}</option> }
        })
        .collect_view();
    let period = desks
        .first()
        .map(|d| d.figure.period.clone())
        .unwrap_or_default();
    view! {
        <table>
            <caption>{format!("30 ngày qua: {period}")}</caption>
            <thead>
                <tr>
                    <th scope="col">"Quầy"</th>
                    <th scope="col">"Số phiếu"</th>
                    <th scope="col">"Hài lòng chung"</th>
                    <th scope="col">"Hồ sơ đã giải quyết (các ngày đã nhập)"</th>
                    <th scope="col">"Tỷ lệ phản hồi (phiếu ÷ hồ sơ, cùng ngày)"</th>
                    <th scope="col">"Ghi chú số liệu"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {can_enter
            .then(|| {
                view! {
                    <form method="post" action="/commune/dossiers" class="inline-form">
                        <input type="hidden" name="_csrf" value=csrf />
                        <label for="dossier-desk">"Quầy"</label>
                        <select id="dossier-desk" name="desk">{options}</select>
                        <label for="dossier-day">"Ngày"</label>
                        <input
                            id="dossier-day"
                            name="day"
                            type="date"
                            required
                            value=day
                            aria-describedby="err-dossier-day"
                        />
                        <label for="dossier-handled">"Số hồ sơ đã giải quyết"</label>
                        <input
                            id="dossier-handled"
                            name="handled"
                            inputmode="numeric"
                            required
                            value=handled
                            aria-describedby="err-dossier-handled"
                        />
                        <button type="submit">"Lưu"</button>
                        {day_error}
                        {handled_error}
                    </form>
                }
            })}
    }
    .into_any()
}

#[component]
fn FeedbackList(items: Vec<FeedbackItem>, csrf: String, can_follow_up: bool) -> impl IntoView {
    items
        .into_iter()
        .map(|f| {
            let state_label = match f.state.as_deref() {
                Some("handling") => "Đang xử lý",
                Some("resolved") => "Đã giải quyết",
                _ if f.unfavourable => "Chưa xử lý",
                _ => "",
            };
            let csrf = csrf.clone();
            let id = f.response_id;
            // Praise needs no handling: only what needs following up gets the follow-up
            // buttons; a comment that reads as a complaint despite its rating can be marked so.
            let needs_handling = f.unfavourable;
            let markable = crate::domain::followup::may_mark_complaint(
                f.overall,
                f.comment.is_some(),
            ) && !f.marked;
            let mark_csrf = csrf.clone();
            let refused = RefusedForm::of(&format!("/commune/followups/{id}"));
            let note = kept_value(&refused, "note", f.note.clone());
            let note_error = error_under(&refused, "note", &format!("err-note-{id}"));
            view! {
                <li
                    id=format!("y-kien-{id}")
                    class="comment"
                    class:unfavourable=f.unfavourable
                    data-response=id.to_string()
                    data-followup=f.state.clone().unwrap_or_else(|| "open".into())
                >
                    <p class="comment-meta">
                        {format!(
                            "{} · {}{}{}",
                            f.when,
                            f.desk,
                            f.overall.map(|o| format!(" · hài lòng chung: {o}/5")).unwrap_or_default(),
                            if state_label.is_empty() { String::new() } else { format!(" · {state_label}") },
                        )}
                        {f.marked.then(|| view! { " " <span class="badge marked">"Phản ánh (cán bộ đánh dấu)"</span> })}
                    </p>
                    {f.comment.map(|c| view! { <p class="comment-text">{c}</p> })}
                    {(!f.note.is_empty())
                        .then(|| view! { <p class="followup-note">{format!("Ghi chú xử lý: {}", f.note)}</p> })}
                    {(can_follow_up && needs_handling)
                        .then(|| {
                            view! {
                                <form
                                    method="post"
                                    action=format!("/commune/followups/{id}")
                                    class="inline-form"
                                >
                                    <input type="hidden" name="_csrf" value=csrf />
                                    <label for=format!("note-{id}")>"Ghi chú"</label>
                                    <input
                                        id=format!("note-{id}")
                                        name="note"
                                        value=note
                                        maxlength=crate::domain::followup::MAX_NOTE_CHARS.to_string()
                                        aria-describedby=format!("err-note-{id}")
                                    />
                                    <button type="submit" name="state" value="handling">
                                        "Đang xử lý"
                                    </button>
                                    <button type="submit" name="state" value="resolved">
                                        "Đã giải quyết"
                                    </button>
                                    {note_error}
                                </form>
                            }
                        })}
                    {(can_follow_up && markable)
                        .then(|| {
                            view! {
                                <form
                                    method="post"
                                    action=format!("/commune/complaints/{id}")
                                    class="inline-form"
                                >
                                    <input type="hidden" name="_csrf" value=mark_csrf />
                                    <button type="submit">"Đánh dấu là phản ánh cần xử lý"</button>
                                </form>
                            }
                        })}
                </li>
            }
        })
        .collect_view()
}

/// The dashboard sections under the commune's heading.
#[component]
pub fn DashboardView(data: Dashboard, notice: Option<String>) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let csrf = data.me.csrf.clone();
    let flagged = data
        .flagged
        .iter()
        .map(|f| {
            view! {
                <li class:excluded=f.excluded class:held=f.held>
                    {format!(
                        "{} · {} · {}{}",
                        f.when,
                        f.desk,
                        f.reasons,
                        if f.excluded {
                            " · đã loại khỏi kết quả"
                        } else if f.held {
                            " · chờ duyệt, chưa tính"
                        } else {
                            ""
                        },
                    )}
                </li>
            }
        })
        .collect_view();
    let notice_text = notice.map(|n| match n.as_str() {
        "followup" => "Đã lưu việc xử lý ý kiến.",
        "complaint" => {
            "Đã đánh dấu ý kiến là phản ánh cần xử lý; ý kiến đã vào danh sách cần xử lý."
        }
        "dossiers" => "Đã lưu số hồ sơ.",
        _ => "Đã lưu.",
    });
    view! {
        <section class="dashboard">
            {notice_text.map(|t| view! { <p class="notice" role="status">{t}</p> })}
            <h2>"Năm yếu tố SIPAS (30 ngày qua)"</h2>
            {view! { <ElementBars elements=data.figures.elements.clone() /> }.into_any()}
            <h2>"Mức độ hài lòng (cập nhật trực tiếp)"</h2>
            {view! {
                <LiveFigures
                    commune=data.commune_code.clone()
                    windows=data.figures.windows.clone()
                    lang
                />
            }
                .into_any()}
            {view! { <TrendChart days=data.trend.clone() /> }.into_any()}
            {(!data.independent.is_empty())
                .then(|| view! { <IndependentView rows=data.independent.clone() /> })}
            <h2>"Theo thứ và giờ"</h2>
            {view! { <HeatMapView map=data.heatmap.clone() /> }.into_any()}
            <h2>"Theo quầy"</h2>
            <DeskRows desks=data.figures.desks.clone() csrf=csrf.clone() can_enter=data.can_follow_up />
            <h2 id="theo-doi">
                {format!(
                    "Ý kiến cần theo dõi — {} chưa giải quyết (kể cả cũ hơn 30 ngày)",
                    data.open_items,
                )}
            </h2>
            // The live script fetches the list again when the open count changes; this notice
            // is shown instead while a note is being written in the list, or when that fails.
            <p class="new-items" hidden>
                {t_new_items(lang)}
                " "
                <button type="button" class="reload">
                    {if lang == Lang::En { "Reload" } else { "Tải lại trang" }}
                </button>
            </p>
            <ul class="comments feedback">
                <FeedbackList
                    items=data.feedback.clone()
                    csrf=csrf.clone()
                    can_follow_up=data.can_follow_up
                />
            </ul>
            <h2>"Phiếu bị đánh dấu"</h2>
            <p class="flag-counts">
                {format!(
                    "30 ngày qua: các số liệu trên gồm {} phiếu bị đánh dấu; {} phiếu có dấu hiệu gian lận đang chờ thẩm định và chưa được tính.",
                    data.flagged_counted,
                    data.flagged_held,
                )}
            </p>
            <ul class="flagged">{flagged}</ul>
        </section>
    }
    .into_any()
}
