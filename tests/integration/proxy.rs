//! `hailong serve` behind the nginx site it ships (`deploy/nginx.conf`), started by the test with
//! a self-signed certificate on loopback: a citizen answers over HTTPS, the per-address limits
//! count the client's own address (clients come from distinct 127.0.0.x sources) and not
//! nginx's, and an `X-Forwarded-For` the client makes up changes nothing.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::store::Backend;
use hailong_tests::process::{free_port, hailong_binary, Server};
use hailong_tests::{device, key, valid_answers, workspace_root, TestDb};

/// nginx (Debian's `nginx-light`, installed by `scripts/setup.sh --test`) and `openssl`; in CI
/// their absence fails the test, elsewhere it is skipped with a warning.
fn tools_present() -> bool {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    let present = found("nginx") && found("openssl");
    if !present {
        assert!(
            std::env::var("CI").is_err(),
            "nginx and openssl are needed (scripts/setup.sh --test installs them)"
        );
        eprintln!("WARNING: nginx or openssl missing: the reverse-proxy test is skipped");
    }
    present
}

/// The shipped site, pointed at this test's ports, certificate and folders.
fn nginx_config(dir: &Path, tls_port: u16, plain_port: u16, app_port: u16) -> String {
    let site = std::fs::read_to_string(workspace_root().join("deploy/nginx.conf"))
        .expect("deploy/nginx.conf");
    let site = site
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen [::]:80;", "")
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{tls_port} ssl http2;"),
        )
        .replace("listen 80;", &format!("listen 127.0.0.1:{plain_port};"))
        .replace("127.0.0.1:3000", &format!("127.0.0.1:{app_port}"))
        .replace(
            "/etc/ssl/hailong/fullchain.pem",
            &dir.join("cert.pem").display().to_string(),
        )
        .replace(
            "/etc/ssl/hailong/privkey.pem",
            &dir.join("key.pem").display().to_string(),
        );
    let d = dir.display();
    format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log {d}/access.log;\n client_body_temp_path {d}/body;\n \
         proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n \
         scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    )
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One citizen's answer over HTTPS from `source` (a 127.0.0.x address), with a made-up
/// `X-Forwarded-For`: the HTTP status the client sees.
fn answer(tls_port: u16, desk: &str, source: &str, n: u64, spoofed: &str) -> u16 {
    let body: Vec<String> = valid_answers(&key(n))
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let out = Command::new("curl")
        .args([
            "-sk",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            source,
        ])
        .args(["-H", &format!("X-Forwarded-For: {spoofed}")])
        .args(["-H", &format!("Cookie: hl_dev={}", device(n))])
        .args(["-H", "Accept: text/html"])
        .args(["--data", &body.join("&")])
        .arg(format!("https://127.0.0.1:{tls_port}/q/{desk}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[tokio::test]
async fn behind_nginx_limits_see_the_client_and_not_the_proxy() {
    let Some(binary) = hailong_binary() else {
        return;
    };
    if !tools_present() {
        return;
    }
    let db = TestDb::create(Backend::Sqlite).await;
    let dir = tempfile_dir();
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
        ])
        .arg("/CN=127.0.0.1")
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success(), "self-signed certificate");

    // A commune leader of 25195 (Phường Bình Phước), whose live stream goes through nginx.
    let mut add = Command::new(&binary)
        .args([
            "user",
            "add",
            "--username",
            "leader25195",
            "--role",
            "commune_leader",
        ])
        .args(["--unit", "25195"])
        .env("DATABASE_URL", &db.url)
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("hailong user add");
    {
        use std::io::Write;
        let mut stdin = add.stdin.take().unwrap();
        writeln!(stdin, "{}", hailong_tests::PASSWORD).unwrap();
    }
    assert!(add.wait().unwrap().success(), "leader added");

    // Two answers per client address a minute: the third from one address is refused.
    let server = Server::start(
        &binary,
        &db.url,
        &[
            ("HAILONG_TRUST_PROXY", "1"),
            ("HAILONG_CLIENT_BURST", "2"),
            ("HAILONG_CLIENT_PER_MINUTE", "1"),
        ],
    )
    .await;
    let (tls_port, plain_port) = (free_port(), free_port());
    std::fs::write(
        dir.join("nginx.conf"),
        nginx_config(&dir, tls_port, plain_port, server.port),
    )
    .unwrap();
    let _nginx = Nginx(
        Command::new("nginx")
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx"),
    );
    let desk = {
        let out = Command::new(&binary)
            .args(["desks", "--format", "csv"])
            .current_dir(workspace_root())
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("hailong desks");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.lines()
            .nth(1)
            .and_then(|l| l.rsplit("/q/").next())
            .expect("a desk")
            .trim()
            .to_string()
    };
    let mut ready = false;
    for _ in 0..100 {
        let out = Command::new("curl")
            .args(["-sk", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("https://127.0.0.1:{tls_port}/ready"))
            .output()
            .expect("curl");
        if String::from_utf8_lossy(&out.stdout).trim() == "200" {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "nginx forwards to the app over HTTPS");

    // From 127.0.0.2: two answers stored, the third refused, whatever address it claims.
    let first = answer(tls_port, &desk, "127.0.0.2", 1, "203.0.113.1");
    let second = answer(tls_port, &desk, "127.0.0.2", 2, "203.0.113.2");
    let third = answer(tls_port, &desk, "127.0.0.2", 3, "203.0.113.3");
    // Another client behind the same proxy has its own allowance.
    let other = answer(tls_port, &desk, "127.0.0.3", 4, "127.0.0.2");
    eprintln!("statuses over HTTPS: {first} {second} {third} {other}");
    assert_eq!((first, second), (303, 303), "answers stored over HTTPS");
    assert_eq!(
        third, 429,
        "the client's own address is limited, not the claimed one"
    );
    assert_eq!(other, 303, "nginx's address is not what the limit counts");

    // The leader's live stream through nginx: an answer at the commune's desk arrives as an
    // event within 2 s.
    let base = format!("https://127.0.0.1:{tls_port}");
    let jar = dir.join("cookies");
    let curl = |args: &[&str]| -> String {
        let out = Command::new("curl")
            .args(["-sk", "-b"])
            .arg(&jar)
            .arg("-c")
            .arg(&jar)
            .args(args)
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let login = curl(&[&format!("{base}/login")]);
    let csrf = hailong_tests::hidden_value(&login, "_csrf").expect("the sign-in form's token");
    let signed_in = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-urlencode",
        &format!("_csrf={csrf}"),
        "--data-urlencode",
        "username=leader25195",
        "--data-urlencode",
        &format!("password={}", hailong_tests::PASSWORD),
        &format!("{base}/login"),
    ]);
    assert_eq!(signed_in.trim(), "303", "the leader signs in over HTTPS");
    let leader_desk = {
        let out = Command::new(&binary)
            .args(["desks", "--format", "csv"])
            .current_dir(workspace_root())
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("hailong desks");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("25195,"))
            .and_then(|l| l.rsplit("/q/").next())
            .expect("a desk of 25195")
            .trim()
            .to_string()
    };
    let opened = std::time::Instant::now();
    let stream = Command::new("curl")
        .args(["-skN", "--max-time", "3", "-b"])
        .arg(&jar)
        .arg(format!("{base}/commune/live"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl the live stream");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(answer(tls_port, &leader_desk, "127.0.0.4", 5, "-"), 303);
    // The stream closes 3 s after it opened: what remains after the answer is the time the
    // event had to arrive.
    let left = Duration::from_secs(3).saturating_sub(opened.elapsed());
    assert!(left <= Duration::from_millis(2100), "{left:?} left");
    let events = stream
        .wait_with_output()
        .expect("the stream ends at --max-time");
    let events = String::from_utf8_lossy(&events.stdout).to_string();
    let messages = events.matches("event: message").count();
    eprintln!("live stream through nginx: {messages} events; the answer had {left:?} to arrive");
    assert!(
        messages >= 2,
        "the figures on connect, then again after the answer, within 2 s: {events}"
    );
    let headers = Command::new("curl")
        .args(["-skI"])
        .arg(format!("https://127.0.0.1:{tls_port}/"))
        .output()
        .expect("curl");
    let headers = String::from_utf8_lossy(&headers.stdout).to_lowercase();
    assert!(headers.contains("strict-transport-security"), "{headers}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hailong-proxy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
