//! The import job's view: which buttons each state offers, the texts the page shows as they are,
//! and the JSON the page reads.

use serde_json::json;

use super::*;
use crate::import::job::Counts;

/// A job of 25 rows, 20 to create and 2 to update, in `phase`.
fn head(phase: Phase) -> Head {
    Head {
        id: "19a".into(),
        file_name: "clienti.xlsx".into(),
        file_hash: "h".into(),
        lookups_ms: 0,
        lang: Lang::Ro,
        phase,
        rows: 25,
        to_match: 22,
        match_cursor: 22,
        cursor: 0,
        schema: None,
        left_out: Vec::new(),
        counts: Counts {
            create: 20,
            update: 2,
            unchanged: 1,
            invalid: 1,
            merged: 1,
            ..Counts::default()
        },
        planned_calls: 44,
        write_calls: 0,
        calls: 90,
        created_ms: 0,
        started_ms: None,
        finished_ms: None,
        retry_at: None,
        error: None,
    }
}

/// The same job after it began writing, stopped at row `cursor`.
fn written(phase: Phase, cursor: usize) -> Head {
    Head {
        cursor,
        started_ms: Some(1_000),
        ..head(phase)
    }
}

/// A preview in which every valid company is already up to date.
fn nothing_to_write() -> Head {
    let mut h = head(Phase::Matched);
    h.counts.create = 0;
    h.counts.update = 0;
    h.counts.unchanged = 23;
    h
}

use JobAction::{Again, Cancel, Report, Resume, Start};

#[test]
fn each_state_offers_its_buttons() {
    assert_eq!(actions(&head(Phase::Matching)), vec![Cancel]);
    assert_eq!(actions(&head(Phase::Matched)), vec![Start]);
    assert_eq!(actions(&nothing_to_write()), vec![]);
    assert_eq!(actions(&written(Phase::Running, 3)), vec![Cancel]);
    // A finished job offers its report and another file, never Start.
    assert_eq!(actions(&written(Phase::Done, 25)), vec![Report, Again]);
    // Stopped midway (cancelled, or failed on its credentials): it can be resumed.
    assert_eq!(
        actions(&written(Phase::Cancelled, 10)),
        vec![Resume, Report, Again]
    );
    assert_eq!(actions(&written(Phase::Failed, 10)), vec![Resume, Report, Again]);
    // Stopped after its last row: nothing left to resume.
    assert_eq!(actions(&written(Phase::Cancelled, 25)), vec![Report, Again]);
    assert_eq!(actions(&written(Phase::Failed, 25)), vec![Report, Again]);
    // A preview cancelled before it wrote anything is started, not resumed.
    assert_eq!(actions(&head(Phase::Cancelled)), vec![Start, Report, Again]);
}

#[test]
fn the_page_asks_again_only_while_the_job_works() {
    let refresh = |h: &Head| job_view(h, 0, 1_000, Lang::Ro).refresh_ms;
    assert_eq!(refresh(&head(Phase::Matching)), Some(600));
    assert_eq!(refresh(&written(Phase::Running, 3)), Some(600));
    for phase in [Phase::Matched, Phase::Done, Phase::Cancelled, Phase::Failed] {
        assert_eq!(refresh(&written(phase, 3)), None, "{phase:?}");
    }
}

#[test]
fn the_buttons_are_named_in_camel_case() {
    let all = json!([Start, Resume, Cancel, Report, Again]);
    assert_eq!(all, json!(["start", "resume", "cancel", "report", "again"]));
}

#[test]
fn durations_read_in_seconds_minutes_or_hours() {
    assert_eq!(duration(0), "0 s");
    assert_eq!(duration(-5_000), "0 s");
    assert_eq!(duration(1_499), "1 s");
    assert_eq!(duration(1_500), "2 s");
    assert_eq!(duration(59_400), "59 s");
    assert_eq!(duration(60_000), "1 min 0 s");
    assert_eq!(duration(725_000), "12 min 5 s");
    assert_eq!(duration(3_600_000), "1 h 0 min");
    assert_eq!(duration(12_000_000), "3 h 20 min");
    assert_eq!(
        duration(i64::MAX),
        format!("{} h {} min", i64::MAX / 1000 / 3600, (i64::MAX / 1000 / 60) % 60)
    );
}

#[test]
fn the_preview_says_how_long_and_how_many_calls_in_each_language() {
    let preview = head(Phase::Matched);
    assert_eq!(
        eta_text(&preview, 44_000, Lang::Ro).as_deref(),
        Some("Durată estimată (MiniCRM permite 60 de apeluri pe minut): ≈ 44 s (44 apeluri)")
    );
    assert_eq!(
        eta_text(&preview, 44_000, Lang::En).as_deref(),
        Some("Estimated duration (MiniCRM allows 60 calls a minute): ≈ 44 s (44 calls)")
    );
    assert_eq!(
        eta_text(&preview, 44_000, Lang::Hu).as_deref(),
        Some("Becsült időtartam (a MiniCRM percenként 60 hívást enged): ≈ 44 s (44 hívás)")
    );
}

#[test]
fn a_running_job_says_what_is_left_without_the_calls() {
    let running = written(Phase::Running, 5);
    assert_eq!(
        eta_text(&running, 750_000, Lang::Ro).as_deref(),
        Some("Durată estimată (MiniCRM permite 60 de apeluri pe minut): ≈ 12 min 30 s")
    );
    assert_eq!(
        eta_text(&head(Phase::Matching), 7_200_000, Lang::En).as_deref(),
        Some("Estimated duration (MiniCRM allows 60 calls a minute): ≈ 2 h 0 min")
    );
    assert_eq!(
        eta_text(&running, 61_000, Lang::Hu).as_deref(),
        Some("Becsült időtartam (a MiniCRM percenként 60 hívást enged): ≈ 1 min 1 s")
    );
}

#[test]
fn nothing_to_write_is_said_instead_of_a_duration() {
    let h = nothing_to_write();
    assert_eq!(
        eta_text(&h, 0, Lang::Ro).as_deref(),
        Some("Nimic de scris: toate companiile valide sunt deja la zi în MiniCRM.")
    );
    assert_eq!(
        eta_text(&h, 0, Lang::En).as_deref(),
        Some("Nothing to write: every valid company is already up to date in MiniCRM.")
    );
    assert_eq!(
        eta_text(&h, 0, Lang::Hu).as_deref(),
        Some("Nincs mit írni: minden érvényes cég naprakész a MiniCRM-ben.")
    );
}

#[test]
fn a_stopped_job_has_no_duration() {
    for phase in [Phase::Done, Phase::Cancelled, Phase::Failed] {
        assert_eq!(eta_text(&written(phase, 10), 60_000, Lang::Ro), None, "{phase:?}");
    }
}

#[test]
fn progress_counts_the_rows_of_the_current_phase() {
    let mut matching = head(Phase::Matching);
    matching.match_cursor = 10;
    assert_eq!(percent(&matching), 40);
    assert_eq!(
        progress_text(&matching, Lang::Ro).as_deref(),
        Some("10 / 25 · 90 apeluri")
    );
    assert_eq!(
        progress_text(&matching, Lang::En).as_deref(),
        Some("10 / 25 · 90 calls")
    );
    assert_eq!(
        progress_text(&matching, Lang::Hu).as_deref(),
        Some("10 / 25 · 90 hívás")
    );
    // The preview's bar is empty and has no progress line.
    let preview = head(Phase::Matched);
    assert_eq!(percent(&preview), 0);
    assert_eq!(progress_text(&preview, Lang::Ro), None);
    let running = written(Phase::Running, 5);
    assert_eq!(percent(&running), 20);
    assert_eq!(
        progress_text(&running, Lang::Ro).as_deref(),
        Some("5 / 25 · 90 apeluri")
    );
    assert_eq!(percent(&written(Phase::Done, 25)), 100);
    assert_eq!(progress_text(&written(Phase::Cancelled, 5), Lang::Ro), None);
    // 1 of 3 is 33 %, 2 of 3 is 67 % (rounded); an empty job is at 0 %.
    let third = |cursor| Head {
        rows: 3,
        ..written(Phase::Running, cursor)
    };
    assert_eq!((percent(&third(1)), percent(&third(2))), (33, 67));
    assert_eq!(
        percent(&Head {
            rows: 0,
            ..written(Phase::Running, 0)
        }),
        0
    );
}

#[test]
fn a_pause_says_until_when_and_why() {
    let mut paused = written(Phase::Running, 5);
    paused.error = Some("MiniCRM is busy.".into());
    // 2026-01-15 10:00:00 UTC is 12:00:00 in Bucharest.
    paused.retry_at = Some(1_768_471_200_000);
    assert_eq!(
        problem_text(&paused, Lang::Ro).as_deref(),
        Some("În pauză până la 12:00:00. MiniCRM is busy.")
    );
    assert_eq!(
        problem_text(&paused, Lang::En).as_deref(),
        Some("Paused until 12:00:00. MiniCRM is busy.")
    );
    let mut failed = written(Phase::Failed, 5);
    failed.error = Some("Wrong API key.".into());
    assert_eq!(problem_text(&failed, Lang::Hu).as_deref(), Some("Wrong API key."));
    // An error of a row that was retried is not the job's problem once it goes on.
    let mut going_on = written(Phase::Running, 5);
    going_on.error = Some("old".into());
    assert_eq!(problem_text(&going_on, Lang::Ro), None);
    assert_eq!(problem_text(&written(Phase::Failed, 5), Lang::Ro), None);
}

#[test]
fn the_counts_are_the_plans_before_writing_and_the_outcome_after() {
    let kinds = |t: Vec<Tally>| t.into_iter().map(|t| (t.value, t.label)).collect::<Vec<_>>();
    assert_eq!(
        kinds(tallies(&head(Phase::Matched), Lang::Ro)),
        vec![
            (20, "noi".to_string()),
            (2, "de actualizat".to_string()),
            (1, "neschimbate".to_string()),
            (1, "invalide (nu se importă)".to_string()),
            (1, "duplicate comasate".to_string()),
        ]
    );
    let mut done = written(Phase::Done, 25);
    done.counts.created = 19;
    done.counts.updated = 2;
    done.counts.failed = 1;
    let t = tallies(&done, Lang::En);
    assert_eq!(
        t.iter().map(|t| t.kind).collect::<Vec<_>>(),
        vec![
            TallyKind::New,
            TallyKind::Update,
            TallyKind::Unchanged,
            TallyKind::Failed,
            TallyKind::Invalid,
            TallyKind::Merged
        ]
    );
    assert_eq!(
        kinds(t)[..4],
        [
            (19, "created".to_string()),
            (2, "updated".to_string()),
            (1, "unchanged".to_string()),
            (1, "errors".to_string())
        ]
    );
}

#[test]
fn the_status_reply_is_the_json_the_page_reads() {
    let mut h = written(Phase::Running, 5);
    h.left_out = vec!["Iban".into()];
    h.write_calls = 8;
    let status = ImportStatus {
        job: Some(job_view(&h, 36_000, 1_000, Lang::Ro)),
        offset: 0,
        rows: Vec::new(),
        setup: Vec::new(),
    };
    let want = json!({
        "job": {
            "id": "19a",
            "fileName": "clienti.xlsx",
            "phase": "running",
            "phaseLabel": "Import în curs",
            "rows": 25,
            "matched": 22,
            "toMatch": 22,
            "written": 5,
            "counts": {
                "create": 20, "update": 2, "unchanged": 1, "invalid": 1, "merged": 1,
                "created": 0, "updated": 0, "failed": 0
            },
            "tallies": [
                {"value": 0, "label": "create", "kind": "new"},
                {"value": 0, "label": "actualizate", "kind": "update"},
                {"value": 1, "label": "neschimbate", "kind": "unchanged"},
                {"value": 0, "label": "erori", "kind": "failed"},
                {"value": 1, "label": "invalide (nu se importă)", "kind": "invalid"},
                {"value": 1, "label": "duplicate comasate", "kind": "merged"}
            ],
            "leftOut": ["Iban"],
            "leftOutNote": "Câmpuri care lipsesc din contul MiniCRM și nu se importă: Iban",
            "plannedCalls": 44,
            "writeCalls": 8,
            "calls": 90,
            "msPerCall": 1000,
            "etaMs": 36000,
            "percent": 20,
            "progress": "5 / 25 · 90 apeluri",
            "eta": "Durată estimată (MiniCRM permite 60 de apeluri pe minut): ≈ 36 s",
            "problem": null,
            "background": true,
            "actions": ["cancel"],
            "refreshMs": 600,
            "retryAt": null,
            "error": null,
            "startedMs": 1000,
            "finishedMs": null
        },
        "offset": 0,
        "rows": [],
        "setup": []
    });
    assert_eq!(json!(status), want);
    assert_eq!(
        json!(ImportReply::from(ImportStatus::none(Vec::new()))),
        json!({"job": null, "offset": 0, "rows": [], "setup": []})
    );
}

#[test]
fn a_row_and_the_report_are_the_json_the_page_reads() {
    use crate::import::plan::{Action, RowPlan};
    use crate::import::rows::{Candidate, Issue};
    let row = JobRow {
        c: Candidate {
            row: 7,
            name: "Alfa SRL".into(),
            issues: vec![Issue::CifControlDigit {
                value: "18547291".into(),
            }],
            ..Candidate::default()
        },
        plan: Some(RowPlan {
            action: Action::Update,
            contact: Default::default(),
            address: None,
            person: None,
            left_out: Vec::new(),
            changes: vec!["Phone".into()],
        }),
        done: Some(Action::Update),
        error: Some("MiniCRM said no.".into()),
        ..JobRow::default()
    };
    let message = row.c.issues[0].message(Lang::En);
    assert_eq!(
        json!(row_view(&row, Lang::En)),
        json!({
            "row": 7,
            "name": "Alfa SRL",
            "vat": "18547291",
            "rejectedVat": "18547291",
            "action": "update",
            "actionLabel": "to update",
            "done": "update",
            "doneLabel": "error",
            "error": "MiniCRM said no.",
            "changes": ["Phone"],
            "issues": [{"error": true, "message": message}]
        })
    );
    let report = ImportReply::Report(ReportFile {
        csv: "a;b\n".into(),
        file_name: "clienti-raport-import.csv".into(),
    });
    assert_eq!(
        json!(report),
        json!({"csv": "a;b\n", "fileName": "clienti-raport-import.csv"})
    );
}
