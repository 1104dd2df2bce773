//! A broken definition file stops the server from starting, naming the file, field and line.

use hailong_tests::{test_config, workspace_root};

#[tokio::test]
async fn the_server_refuses_to_start_on_a_broken_survey_file() {
    let dir = std::env::temp_dir().join(format!("hailong-defs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("surveys")).unwrap();
    let good = std::fs::read_to_string(
        workspace_root().join("survey-definitions/surveys/one-stop-desk.v1.toml"),
    )
    .unwrap();
    // Break one English label: the error must point at it.
    let broken = good.replacen("en = ", "eng = ", 1);
    let line = broken.lines().position(|l| l.contains("eng = ")).unwrap() + 1;
    std::fs::write(dir.join("surveys/one-stop-desk.v1.toml"), broken).unwrap();
    let mut config = test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    config.definitions_dir = dir.clone();

    let error = match server::startup::build_state(&config).await {
        Ok(_) => panic!("the server must refuse to start"),
        Err(e) => format!("{e:#}"),
    };

    assert!(error.contains("one-stop-desk.v1.toml"), "{error}");
    assert!(
        error.contains(&format!(":{line}")),
        "line {line} in: {error}"
    );
    assert!(error.contains("eng"), "field named: {error}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_server_refuses_to_start_on_a_broken_criteria_set() {
    let dir = std::env::temp_dir().join(format!("hailong-criteria-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["surveys", "criteria"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in
            std::fs::read_dir(workspace_root().join("survey-definitions").join(sub)).unwrap()
        {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
    let file = dir.join("criteria/dong-nai-2025.toml");
    // A citizen-survey leaf pointing at a question the survey does not have.
    let broken =
        std::fs::read_to_string(&file)
            .unwrap()
            .replacen("\"overall\"", "\"no_such_question\"", 1);
    std::fs::write(&file, broken).unwrap();
    let mut config = test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    config.definitions_dir = dir.clone();

    let error = match server::startup::build_state(&config).await {
        Ok(_) => panic!("the server must refuse to start"),
        Err(e) => format!("{e:#}"),
    };

    assert!(error.contains("dong-nai-2025.toml"), "{error}");
    assert!(error.contains("no_such_question"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_broken_independent_survey_leaf_is_named_by_file_and_line() {
    let dir = std::env::temp_dir().join(format!("hailong-independent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["surveys", "criteria"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in
            std::fs::read_dir(workspace_root().join("survey-definitions").join(sub)).unwrap()
        {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
    let file = dir.join("criteria/dong-nai-2025-independent.toml");
    // The province's survey leaf asking for no answers at all.
    let broken = std::fs::read_to_string(&file).unwrap().replacen(
        "source.min_responses = 30",
        "source.min_responses = 0",
        1,
    );
    let line = broken
        .lines()
        .position(|l| l.contains("source.min_responses = 0"))
        .unwrap()
        + 1;
    std::fs::write(&file, broken).unwrap();
    let mut config = test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    config.definitions_dir = dir.clone();

    let error = match server::startup::build_state(&config).await {
        Ok(_) => panic!("the server must refuse to start"),
        Err(e) => format!("{e:#}"),
    };

    assert!(
        error.contains(&format!("dong-nai-2025-independent.toml:{line}:")),
        "line {line} in: {error}"
    );
    assert!(error.contains("source.min_responses"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
