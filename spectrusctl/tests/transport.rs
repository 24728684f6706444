//! TRANSPORT TESTS, not daemon integration tests: a tiny hyper server on a temporary Unix
//! socket answers canned JSON for a few admin routes, to prove the HTTP-over-Unix-socket
//! client, the human and JSON renderings of real answers, the streaming of events, and the
//! mapping of error answers to messages and exit codes. The tests against a real spectrusd
//! come with the daemon's admin server (phase 2).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Output;

use bytes::Bytes;
use clap::Parser;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use spectrusctl::Cli;
use spectrusctl::commands::{self, Ctx};
use spectrusctl::output::Out;
use tokio::net::UnixListener;

type Body = BoxBody<Bytes, Infallible>;

fn full(status: StatusCode, value: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(value.to_string())).boxed())
        .unwrap()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    full(status, json!({"error": {"code": code, "message": message}}))
}

/// The canned daemon.
async fn answer(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let body: Value = {
        let bytes = req.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    let response = match (method.as_str(), path.as_str()) {
        ("GET", "/admin/v1/status") => full(
            StatusCode::OK,
            json!({"version": "0.1.0", "uptime_seconds": 3725, "members": 12, "online": 3,
                   "voice_rooms": 1, "voice_participants": 2, "database_bytes": 2_621_440,
                   "license": {"state": "none", "premium": false}}),
        ),
        ("GET", "/admin/v1/setup-code") => full(StatusCode::OK, json!({"setup_code": null})),
        ("GET", "/admin/v1/users/ghost") => {
            error(StatusCode::NOT_FOUND, "not_found", "no user named ghost")
        }
        ("GET", "/admin/v1/users/a%20b") => full(
            StatusCode::OK,
            json!({"id": "5", "username": "a b", "display_name": "A B", "owner": false,
                   "disabled": false, "created_at": "2026-01-01T00:00:00Z"}),
        ),
        ("GET", "/admin/v1/roles") => error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "uid 1234 is not allowed on the admin socket",
        ),
        ("POST", "/admin/v1/users") => {
            let generated = body.get("password").is_none();
            let mut user = json!({"id": "77", "username": body["username"], "display_name":
                body["username"], "owner": false, "disabled": false,
                "created_at": "2026-01-01T00:00:00Z"});
            if generated {
                user["password"] = json!("Gen-Erated-Pw");
            }
            full(StatusCode::CREATED, user)
        }
        ("POST", "/admin/v1/users/bob/disable") => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
        ("POST", "/admin/v1/layout/apply") => {
            assert_eq!(body["dry_run"], json!(true), "{body}");
            assert_eq!(body["layout"]["roles"][0]["name"], json!("Mod"), "{body}");
            full(
                StatusCode::OK,
                json!({"changes": ["create role Mod", "move #general to 0"]}),
            )
        }
        ("GET", "/admin/v1/events?follow=false&type=member_join") => {
            // Split inside a line on purpose: the client must reassemble it.
            let frames = vec![
                Ok::<_, Infallible>(Frame::data(Bytes::from_static(
                    b"{\"type\":\"member_join\",\"at\":\"t1\",\"user\":\"ann\"}\n{\"type\":\"mem",
                ))),
                Ok(Frame::data(Bytes::from_static(
                    b"ber_join\",\"at\":\"t2\",\"user\":\"bo\"}\n",
                ))),
            ];
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/x-ndjson")
                .body(StreamBody::new(stream::iter(frames)).boxed())
                .unwrap()
        }
        ("GET", "/admin/v1/teapot") => Response::builder()
            .status(StatusCode::IM_A_TEAPOT)
            .body(Full::new(Bytes::from_static(b"<html>")).boxed())
            .unwrap(),
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no route {method} {path}"),
        ),
    };
    Ok(response)
}

/// Serves the canned daemon on a fresh socket until the test ends.
struct FakeDaemon {
    _dir: tempfile::TempDir,
    socket: PathBuf,
}

impl FakeDaemon {
    fn start() -> FakeDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("admin.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service_fn(answer))
                        .await;
                });
            }
        });
        FakeDaemon { _dir: dir, socket }
    }
}

/// Runs a command line through the library, as `main` does, with `stdin` as standard input.
async fn run(
    socket: &Path,
    args: &[&str],
    stdin: &str,
) -> (Result<(), spectrusctl::CtlError>, String) {
    let socket = socket.to_str().unwrap();
    let head = ["spectrusctl", "--socket", socket];
    let argv = head.iter().chain(args.iter());
    let cli = Cli::try_parse_from(argv).unwrap();
    let mut stdout = Vec::new();
    let mut input = stdin.as_bytes();
    let result = {
        let mut ctx = Ctx {
            client: spectrusctl::AdminClient::new(cli.socket.clone().unwrap()),
            out: Out::new(&mut stdout, cli.json),
            stdin: &mut input,
            cwd: PathBuf::from("/"),
        };
        commands::run(&cli, &mut ctx).await
    };
    (result, String::from_utf8(stdout).unwrap())
}

#[tokio::test]
async fn status_as_table_and_as_json() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["status"], "").await;
    result.unwrap();
    assert_eq!(
        out,
        "version   0.1.0\n\
         uptime    1h 2m\n\
         members   12 (3 online)\n\
         voice     1 room, 2 participants\n\
         database  2.5 MiB\n\
         licence   none\n"
    );
    let (result, out) = run(&daemon.socket, &["--json", "status"], "").await;
    result.unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["uptime_seconds"], 3725);
    assert!(out.starts_with("{\n  \""), "pretty JSON: {out}");
}

#[tokio::test]
async fn error_answers_map_to_messages_and_exit_codes() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["users", "show", "ghost"], "").await;
    let e = result.unwrap_err();
    assert_eq!(e.to_string(), "no user named ghost (not_found)");
    assert_eq!(e.exit_code(), 1);
    assert_eq!(out, "");

    let (result, _) = run(&daemon.socket, &["roles", "list"], "").await;
    let e = result.unwrap_err();
    assert_eq!(e.exit_code(), 77);
    assert!(e.to_string().contains("not allowed"), "{e}");

    let client = spectrusctl::AdminClient::new(&daemon.socket);
    let e = client.get("/teapot").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the daemon answered 418 I'm a teapot (http_418)"
    );
}

#[tokio::test]
async fn names_are_percent_encoded_in_paths() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["users", "show", "a b"], "").await;
    result.unwrap();
    assert!(out.contains("username      a b\n"), "{out}");
}

#[tokio::test]
async fn create_user_with_generated_or_given_password() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["users", "create", "carol"], "").await;
    result.unwrap();
    assert!(
        out.starts_with("created user carol (id 77)\npassword: Gen-Erated-Pw\n"),
        "{out}"
    );
    let (result, out) = run(
        &daemon.socket,
        &["users", "create", "dave", "--password-stdin"],
        "hunter22\n",
    )
    .await;
    result.unwrap();
    assert_eq!(out, "created user dave (id 77)\n");
}

#[tokio::test]
async fn empty_answers_print_a_sentence_or_nothing() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["users", "disable", "bob"], "").await;
    result.unwrap();
    assert_eq!(out, "user bob disabled\n");
    let (result, out) = run(&daemon.socket, &["--json", "users", "disable", "bob"], "").await;
    result.unwrap();
    assert_eq!(out, "");
    let (result, out) = run(&daemon.socket, &["setup-code"], "").await;
    result.unwrap();
    assert!(out.starts_with("no setup code"), "{out}");
}

#[tokio::test]
async fn layout_apply_sends_the_toml_as_json() {
    let daemon = FakeDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.toml");
    std::fs::write(
        &file,
        "[[roles]]\nname = \"Mod\"\npermissions = [\"members:kick\"]\n",
    )
    .unwrap();
    let (result, out) = run(
        &daemon.socket,
        &["layout", "apply", file.to_str().unwrap(), "--dry-run"],
        "",
    )
    .await;
    result.unwrap();
    assert_eq!(
        out,
        "would make 2 changes (dry run, nothing written):\n  create role Mod\n  move #general to 0\n"
    );
}

#[tokio::test]
async fn events_are_streamed_line_by_line() {
    let daemon = FakeDaemon::start();
    let (result, out) = run(&daemon.socket, &["events", "--type", "member_join"], "").await;
    result.unwrap();
    assert_eq!(out, "t1  member_join  user=ann\nt2  member_join  user=bo\n");
    let (result, out) = run(
        &daemon.socket,
        &["--json", "events", "--type", "member_join"],
        "",
    )
    .await;
    result.unwrap();
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["user"], "bo");
}

/// Runs the real binary (blocking, off the runtime so the fake daemon keeps answering).
async fn binary(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_spectrusctl"))
            .args(args)
            .env_remove("SPECTRUS_ADMIN_SOCKET")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_one_line_errors_with_exit_codes() {
    let daemon = FakeDaemon::start();
    let socket = daemon.socket.to_str().unwrap().to_owned();
    let args = |rest: &[&str]| {
        ["--socket", socket.as_str()]
            .iter()
            .chain(rest)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };

    let ok = binary(args(&["status"])).await;
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("version   0.1.0\n"));
    assert!(ok.stderr.is_empty());

    let missing = binary(args(&["users", "show", "ghost"])).await;
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "spectrusctl: no user named ghost (not_found)\n"
    );

    let forbidden = binary(args(&["roles", "list"])).await;
    assert_eq!(forbidden.status.code(), Some(77));
    assert_eq!(
        String::from_utf8_lossy(&forbidden.stderr).lines().count(),
        1
    );
}
