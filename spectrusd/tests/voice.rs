//! Voice end to end: the real daemon (testkit), real gateways, and real WebRTC over loopback
//! between `spectrus-client` voice sessions and the daemon's SFU.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use spectrus_client::proto::Id;
use spectrus_client::proto::gateway::{ClientFrame, Dispatch, Sdp};
use spectrus_client::proto::model::{ChannelType, VoiceState};
use spectrus_client::proto::permissions::{Permission, PermissionSet};
use spectrus_client::proto::rest::{CreateChannel, OverwriteBody, PatchVoiceMember};
use spectrus_client::voice::{SilenceSource, SineSource, VoiceSessionError};
use spectrus_client::{Client, Gateway, GatewayEvent};
use spectrus_testkit::voice::{
    Voicer, bounded, hears, join as join_voice, loopback, power, silent_at, start,
};
use spectrus_testkit::{TestDaemon, eventually, lounge, voice_channel};

/// A gateway that records every dispatch it sees.
struct Observer {
    gw: Gateway,
    seen: Vec<Dispatch>,
}

impl Observer {
    async fn new(client: &Client) -> Observer {
        Observer {
            gw: Gateway::connect(client).await.expect("gateway"),
            seen: Vec::new(),
        }
    }

    /// Waits up to `secs` for a dispatch matching `pred` (also among those seen before).
    async fn wait(&mut self, secs: u64, mut pred: impl FnMut(&Dispatch) -> bool) -> bool {
        if self.seen.iter().any(&mut pred) {
            return true;
        }
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.gw.next_dispatch(left).await {
                Some((_, d)) => {
                    let hit = pred(&d);
                    self.seen.push(d);
                    if hit {
                        return true;
                    }
                }
                None => return false,
            }
        }
        false
    }
}

fn state_is(d: &Dispatch, user: Id, check: impl Fn(&VoiceState) -> bool) -> bool {
    matches!(d, Dispatch::VoiceStateUpdate(s) if s.user_id == user && check(s))
}

fn speaking(d: &Dispatch, user: Id) -> bool {
    matches!(d, Dispatch::Speaking(s) if s.user_id == user && s.speaking)
}

/// A running daemon, its owner, the seeded voice channel and members named `names`.
struct Server<const N: usize> {
    daemon: TestDaemon,
    owner: Client,
    lounge: Id,
    members: [Client; N],
}

async fn server<const N: usize>(names: [&str; N]) -> Server<N> {
    let daemon = TestDaemon::start().await.unwrap();
    let owner = daemon.owner().await.unwrap();
    let mut members = Vec::with_capacity(N);
    for name in names {
        members.push(daemon.member(&owner, name).await.unwrap());
    }
    let lounge = lounge(&owner).await.id;
    let Ok(members) = members.try_into() else {
        unreachable!("one client per name")
    };
    Server {
        daemon,
        owner,
        lounge,
        members,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_hear_each_other_and_a_third_sees_states_and_speaking() {
    bounded(120, async {
        let s = server(["alice", "bob", "carol"]).await;
        let (_, ch, [alice, bob, carol]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(carol).await;

        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        let b = join_voice(bob, ch, SineSource::new(660.0)).await;
        assert!(
            eventually(Duration::from_millis(20_000), || hears(&a.audio, 660.0)
                && hears(&b.audio, 440.0))
            .await,
            "a hears 660: {} {:?}; b hears 440: {} {:?}",
            power(&a.audio, 660.0),
            a.session.stats(),
            power(&b.audio, 440.0),
            b.session.stats()
        );
        assert!(
            silent_at(&a.audio, 440.0),
            "a hears itself: {}",
            power(&a.audio, 440.0)
        );
        assert!(
            silent_at(&b.audio, 660.0),
            "b hears itself: {}",
            power(&b.audio, 660.0)
        );
        // The engine keys speakers by user id.
        assert_eq!(a.session.stats().speakers, vec![b.user.0]);

        for v in [&a, &b] {
            assert!(
                watcher
                    .wait(10, |d| state_is(d, v.user, |s| s.channel_id == Some(ch)))
                    .await,
                "VOICE_STATE_UPDATE join of {}: {:?}",
                v.user,
                watcher.seen
            );
            assert!(
                watcher.wait(10, |d| speaking(d, v.user)).await,
                "SPEAKING of {}",
                v.user
            );
        }
        // `ready` carries who is in voice.
        let late = Gateway::connect(carol).await.unwrap();
        let mut in_voice: Vec<Id> = late
            .ready()
            .voice_states
            .iter()
            .filter(|s| s.channel_id == Some(ch))
            .map(|s| s.user_id)
            .collect();
        in_voice.sort();
        let mut expected = vec![a.user, b.user];
        expected.sort();
        assert_eq!(in_voice, expected);

        // Self mute is announced and stops a's audio reaching b.
        a.session.set_self_mute(true);
        assert!(
            watcher
                .wait(10, |d| state_is(d, a.user, |s| s.self_mute))
                .await
        );
        assert!(eventually(Duration::from_millis(3_000), || silent_at(&b.audio, 440.0)).await);

        // Leaving is announced.
        let a_user = a.user;
        a.session.leave().await;
        assert!(
            watcher
                .wait(10, |d| state_is(d, a_user, |s| s.channel_id.is_none()))
                .await
        );
        b.session.leave().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_mute_and_deafen_over_rest() {
    bounded(120, async {
        let s = server(["alice", "bob", "carol"]).await;
        let (owner, ch, [alice, bob, carol]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;

        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        let b = join_voice(bob, ch, SineSource::new(660.0)).await;
        let c = join_voice(carol, ch, SilenceSource).await;
        assert!(
            eventually(Duration::from_millis(20_000), || hears(&c.audio, 440.0)
                && hears(&c.audio, 660.0)
                && hears(&b.audio, 440.0))
            .await,
            "c: 440={} 660={} {:?}",
            power(&c.audio, 440.0),
            power(&c.audio, 660.0),
            c.session.stats()
        );

        // A member without voice:mute_members cannot.
        let refused = bob
            .patch_voice_member(
                a.user,
                &PatchVoiceMember {
                    mute: Some(true),
                    ..Default::default()
                },
            )
            .await;
        assert!(refused.is_err(), "{refused:?}");

        // Server-mute a: 440 Hz is gone for b and c within one second.
        let st = owner
            .patch_voice_member(
                a.user,
                &PatchVoiceMember {
                    mute: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(st.mute && st.channel_id == Some(ch), "{st:?}");
        let t = Instant::now();
        assert!(
            eventually(Duration::from_millis(1_000), || silent_at(&c.audio, 440.0)
                && silent_at(&b.audio, 440.0))
            .await,
            "still hearing 440 after {:?}: c={} b={}",
            t.elapsed(),
            power(&c.audio, 440.0),
            power(&b.audio, 440.0)
        );
        assert!(hears(&c.audio, 660.0));
        assert!(watcher.wait(10, |d| state_is(d, a.user, |s| s.mute)).await);
        let log = owner
            .audit_log(&spectrus_client::proto::rest::AuditQuery::default())
            .await
            .unwrap();
        assert!(
            log.iter().any(|e| e.action == "member.voice_update"
                && e.target_id.as_deref() == Some(a.user.to_string().as_str())),
            "{log:?}"
        );

        // Deafen c: nothing is delivered to it any more.
        owner
            .patch_voice_member(
                c.user,
                &PatchVoiceMember {
                    deaf: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = c.session.stats().packets_received;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = c.session.stats().packets_received;
        assert_eq!(before, after, "a deafened member still receives");
        assert!(watcher.wait(10, |d| state_is(d, c.user, |s| s.deaf)).await);

        // Undo both: audio comes back.
        for (u, req) in [
            (
                a.user,
                PatchVoiceMember {
                    mute: Some(false),
                    ..Default::default()
                },
            ),
            (
                c.user,
                PatchVoiceMember {
                    deaf: Some(false),
                    ..Default::default()
                },
            ),
        ] {
            owner.patch_voice_member(u, &req).await.unwrap();
        }
        assert!(eventually(Duration::from_millis(10_000), || hears(&c.audio, 440.0)).await);

        // Disconnect b over REST.
        owner
            .patch_voice_member(
                b.user,
                &PatchVoiceMember {
                    channel_id: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            watcher
                .wait(10, |d| state_is(d, b.user, |s| s.channel_id.is_none()))
                .await
        );
        assert!(eventually(Duration::from_millis(5_000), || silent_at(&c.audio, 660.0)).await);
        for v in [a, b, c] {
            v.session.leave().await;
        }
    })
    .await;
}

/// The first `voice_error` code the session reports.
async fn refusal(v: &mut Voicer) -> String {
    match v.session.wait_connected(Duration::from_secs(10)).await {
        Err(VoiceSessionError::Refused { code, .. }) => code,
        other => panic!("expected a voice_error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_come_as_voice_errors() {
    bounded(90, async {
        let s = server(["alice"]).await;
        let (owner, ch, [alice]) = (&s.owner, s.lounge, &s.members);
        let d = &s.daemon;
        let everyone = owner.roles().await.unwrap()[0].id;

        // voice:connect denied in the channel.
        owner
            .put_overwrite(
                ch,
                everyone,
                &OverwriteBody {
                    allow: PermissionSet::EMPTY,
                    deny: [Permission::VoiceConnect].into_iter().collect(),
                },
            )
            .await
            .unwrap();
        let mut v = start(alice, ch, SilenceSource, loopback()).await;
        assert_eq!(refusal(&mut v).await, "missing_permission");
        owner.delete_overwrite(ch, everyone).await.unwrap();

        // A full channel.
        let small = owner
            .create_channel(&CreateChannel {
                user_limit: Some(1),
                bitrate: Some(24_000),
                ..CreateChannel::new("duo", ChannelType::Voice)
            })
            .await
            .unwrap();
        let bob = d.member(owner, "bob").await.unwrap();
        let first = join_voice(&bob, small.id, SilenceSource).await;
        let mut second = start(alice, small.id, SilenceSource, loopback()).await;
        assert_eq!(refusal(&mut second).await, "channel_full");

        // A text channel is not a voice channel.
        let general = owner
            .channels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.kind == ChannelType::Text)
            .unwrap()
            .id;
        let mut t = start(alice, general, SilenceSource, loopback()).await;
        assert_eq!(refusal(&mut t).await, "not_voice_channel");

        // An answer from a session that is not in voice.
        let mut gw = Gateway::connect(alice).await.unwrap();
        gw.send(ClientFrame::VoiceAnswer(Sdp { sdp: "v=0".into() }));
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut code = None;
        while Instant::now() < deadline && code.is_none() {
            match tokio::time::timeout(Duration::from_secs(10), gw.next_event()).await {
                Ok(Some(GatewayEvent::Voice { op, d })) if op == "voice_error" => {
                    code = d.get("code").and_then(|c| c.as_str()).map(str::to_owned);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        assert_eq!(code.as_deref(), Some("not_in_voice"));

        // The channel bitrate reaches the engine through the offer.
        assert_eq!(first.session.stats().bitrate, 24_000);

        // Garbage from a session in voice: voice_errors, and the voice session survives.
        let mut first = first;
        first.gateway.send(ClientFrame::VoiceAnswer(Sdp {
            sdp: "garbage".into(),
        }));
        first.gateway.send(ClientFrame::VoiceCandidate(
            spectrus_client::proto::gateway::IceCandidate {
                candidate: "candidate:not a candidate".into(),
                sdp_mid: None,
                sdp_mline_index: None,
            },
        ));
        let mut codes = Vec::new();
        while codes.len() < 2 {
            match tokio::time::timeout(Duration::from_secs(10), first.session.next_event()).await {
                Ok(Some(spectrus_client::voice::VoiceSessionEvent::Error { code, .. })) => {
                    codes.push(code)
                }
                Ok(Some(_)) => {}
                other => panic!("expected voice_errors, got {other:?} after {codes:?}"),
            }
        }
        assert_eq!(codes, vec!["no_pending_offer", "bad_request"]);
        assert!(first.session.stats().connected);
        first.session.leave().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_gateway_leaves_voice() {
    bounded(90, async {
        let s = server(["alice"]).await;
        let (owner, ch, [alice]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;
        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        assert!(
            watcher
                .wait(10, |d| state_is(d, a.user, |s| s.channel_id == Some(ch)))
                .await
        );
        a.gateway.close();
        assert!(
            watcher
                .wait(10, |d| state_is(d, a.user, |s| s.channel_id.is_none()))
                .await,
            "{:?}",
            watcher.seen
        );
        let late = Gateway::connect(owner).await.unwrap();
        assert!(late.ready().voice_states.is_empty());
        drop(a);
    })
    .await;
}

/// A field of `/proc/<pid>/status` (e.g. `Threads`, `VmRSS` in KiB).
fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .strip_prefix(':')?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// The SFU is one task on the daemon's runtime: no thread per participant. Prints the
/// daemon's threads and resident memory with 0 and 12 connected participants.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_threads_do_not_grow_with_participants() {
    bounded(150, async {
        let d = TestDaemon::start().await.unwrap();
        let pid = d.pid().expect("daemon pid");
        let owner = d.owner().await.unwrap();
        let ch = lounge(&owner).await.id;
        let mut members = Vec::new();
        for i in 0..12 {
            members.push(d.member(&owner, &format!("m{i}")).await.unwrap());
        }
        // Warm up one voice session so lazily started pools exist before counting.
        let warm = join_voice(&owner, ch, SilenceSource).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (threads0, rss0) = (proc_status(pid, "Threads"), proc_status(pid, "VmRSS"));
        let mut voicers = Vec::new();
        for m in &members {
            voicers.push(join_voice(m, ch, SilenceSource).await);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (threads1, rss1) = (proc_status(pid, "Threads"), proc_status(pid, "VmRSS"));
        eprintln!(
            "daemon threads: {threads0} with 1 participant, {threads1} with {}; RSS {rss0} KiB → {rss1} KiB ({} KiB per participant, debug build)",
            voicers.len() + 1,
            rss1.saturating_sub(rss0) / voicers.len() as u64
        );
        assert!(
            threads1 <= threads0 + 4,
            "threads grew from {threads0} to {threads1} with {} participants",
            voicers.len()
        );
        for v in voicers {
            v.session.leave().await;
        }
        warm.session.leave().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_member_keeps_its_connection() {
    bounded(120, async {
        let s = server(["alice", "bob", "carol"]).await;
        let (owner, ch, [alice, bob, carol]) = (&s.owner, s.lounge, &s.members);
        let other = voice_channel(owner, "other").await;
        let mut watcher = Observer::new(owner).await;
        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        let b = join_voice(bob, ch, SineSource::new(660.0)).await;
        let c = join_voice(carol, other, SineSource::new(880.0)).await;
        assert!(
            eventually(Duration::from_millis(20_000), || hears(&a.audio, 660.0)
                && hears(&b.audio, 440.0))
            .await
        );
        assert!(silent_at(&c.audio, 440.0) && silent_at(&a.audio, 880.0));

        // A member without voice:move_members cannot move others.
        assert!(
            bob.patch_voice_member(
                a.user,
                &PatchVoiceMember {
                    channel_id: Some(Some(other)),
                    ..Default::default()
                },
            )
            .await
            .is_err()
        );
        let st = owner
            .patch_voice_member(
                a.user,
                &PatchVoiceMember {
                    channel_id: Some(Some(other)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(st.channel_id, Some(other));
        assert!(
            watcher
                .wait(10, |d| state_is(d, a.user, |s| s.channel_id == Some(other)))
                .await
        );
        assert!(
            eventually(Duration::from_millis(20_000), || hears(&a.audio, 880.0)
                && hears(&c.audio, 440.0)
                && silent_at(&a.audio, 660.0)
                && silent_at(&b.audio, 440.0))
            .await,
            "a: 880={} 660={}; c: 440={}; b: 440={}",
            power(&a.audio, 880.0),
            power(&a.audio, 660.0),
            power(&c.audio, 440.0),
            power(&b.audio, 440.0)
        );
        assert!(a.session.stats().connected, "the move kept the connection");
        for v in [a, b, c] {
            v.session.leave().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abrupt_drop_resumes_without_leaving_voice() {
    bounded(90, async {
        let s = server(["alice", "bob"]).await;
        let (owner, ch, [alice, bob]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;
        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        let b = join_voice(bob, ch, SineSource::new(660.0)).await;
        assert!(eventually(Duration::from_millis(20_000), || hears(&b.audio, 440.0)).await);

        // The socket drops without a close frame; the SDK resumes the session.
        a.gateway.drop_connection();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            !watcher
                .wait(2, |d| state_is(d, a.user, |s| s.channel_id.is_none()))
                .await,
            "an abrupt drop must not end voice"
        );
        assert!(hears(&b.audio, 440.0), "media kept flowing");
        let late = Gateway::connect(owner).await.unwrap();
        assert!(
            late.ready()
                .voice_states
                .iter()
                .any(|s| s.user_id == a.user && s.channel_id == Some(ch))
        );
        // Signalling still reaches the resumed session: self-mute is applied.
        a.session.set_self_mute(true);
        assert!(
            watcher
                .wait(10, |d| state_is(d, a.user, |s| s.self_mute))
                .await
        );
        assert!(eventually(Duration::from_millis(3_000), || silent_at(&b.audio, 440.0)).await);
        a.session.leave().await;
        b.session.leave().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_mute_survives_a_restart_and_applies_at_the_next_join() {
    bounded(120, async {
        let mut s = server(["alice", "bob"]).await;
        let alice_id = s.members[0].me().await.unwrap().id;
        let mute = PatchVoiceMember {
            mute: Some(true),
            ..Default::default()
        };
        let st = s.owner.patch_voice_member(alice_id, &mute).await.unwrap();
        assert!(st.mute && st.channel_id.is_none(), "{st:?}");

        s.daemon.restart().await.unwrap();

        // After the restart alice joins: she is announced muted and bob does not hear her.
        let (owner, ch, [alice, bob]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;
        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        let b = join_voice(bob, ch, SilenceSource).await;
        assert!(
            watcher
                .wait(20, |d| state_is(d, alice_id, |v| v.channel_id == Some(ch)
                    && v.mute))
                .await,
            "alice joined without her server mute"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(silent_at(&b.audio, 440.0), "bob hears a muted member");

        // Lifting it is stored too: after another restart she is no longer muted.
        let unmute = PatchVoiceMember {
            mute: Some(false),
            ..Default::default()
        };
        let st = owner.patch_voice_member(alice_id, &unmute).await.unwrap();
        assert!(!st.mute);
        assert!(eventually(Duration::from_millis(20_000), || hears(&b.audio, 440.0)).await);
        a.session.leave().await;
        b.session.leave().await;
        s.daemon.restart().await.unwrap();
        let st = s
            .owner
            .patch_voice_member(alice_id, &PatchVoiceMember::default())
            .await
            .unwrap();
        assert!(!st.mute && !st.deaf, "{st:?}");
    })
    .await;
}

/// Not a test on its own: the voice client that `a_killed_voice_client_leaves_within_5_s`
/// runs in a child process (this test binary again) and kills with SIGKILL. It logs in as
/// `SPECTRUS_TEST_USER` at `SPECTRUS_TEST_URL`, joins the first voice channel with a tone,
/// prints `IN_VOICE` once connected and waits to be killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run as a child process by a_killed_voice_client_leaves_within_5_s"]
async fn voice_client_process() {
    let (Ok(url), Ok(user)) = (
        std::env::var("SPECTRUS_TEST_URL"),
        std::env::var("SPECTRUS_TEST_USER"),
    ) else {
        return;
    };
    let client = Client::new(&url).unwrap();
    client
        .login(&user, spectrus_testkit::PASSWORD)
        .await
        .unwrap();
    let ch = lounge(&client).await.id;
    let v = join_voice(&client, ch, SineSource::new(440.0)).await;
    println!("IN_VOICE {}", v.user);
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_voice_client_leaves_within_5_s() {
    use std::io::{BufRead, BufReader};
    bounded(120, async {
        let s = server(["alice", "bob"]).await;
        let (owner, ch, [_alice, bob]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;
        let b = join_voice(bob, ch, SilenceSource).await;

        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "voice_client_process",
                "--nocapture",
            ])
            .env("SPECTRUS_TEST_URL", &s.daemon.url)
            .env("SPECTRUS_TEST_USER", "alice")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let alice: Id = tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| {
                    l.strip_prefix("IN_VOICE ")
                        .map(|id| Id(id.parse().unwrap()))
                })
                .expect("the child joined voice")
        })
        .await
        .unwrap();
        assert!(
            watcher
                .wait(10, |d| state_is(d, alice, |s| s.channel_id == Some(ch)))
                .await
        );
        assert!(eventually(Duration::from_millis(20_000), || hears(&b.audio, 440.0)).await);

        // SIGKILL: no close frame, no leave; the socket just goes away.
        child.kill().unwrap();
        child.wait().unwrap();
        let killed = Instant::now();
        assert!(
            watcher
                .wait(5, |d| state_is(d, alice, |s| s.channel_id.is_none()))
                .await,
            "the killed client is still listed in voice after 5 s: {:?}",
            watcher.seen
        );
        eprintln!(
            "a killed voice client left the channel after {} ms",
            killed.elapsed().as_millis()
        );
        let late = Gateway::connect(owner).await.unwrap();
        assert!(
            !late.ready().voice_states.iter().any(|s| s.user_id == alice),
            "ready still lists the killed client"
        );
        b.session.leave().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_connects_while_someone_talks_sees_them_speaking() {
    bounded(90, async {
        let s = server(["alice", "bob"]).await;
        let (owner, ch, [alice, bob]) = (&s.owner, s.lounge, &s.members);
        let mut watcher = Observer::new(owner).await;
        // Alice talks without pause (a steady tone): the SFU says "speaking" once.
        let a = join_voice(alice, ch, SineSource::new(440.0)).await;
        assert!(watcher.wait(15, |d| speaking(d, a.user)).await);

        // Bob connects afterwards: his new gateway is told at once, not at her next pause.
        let mut late = Observer::new(bob).await;
        assert!(
            late.wait(5, |d| speaking(d, a.user)).await,
            "a late client does not see the current speaker: {:?}",
            late.seen
        );
        assert!(late.seen.iter().all(|d| !speaking(d, bob_id(&late))));
        a.session.leave().await;
    })
    .await;
}

fn bob_id(o: &Observer) -> Id {
    o.gw.ready().user.id
}

/// Whether a log line (`TIME LEVEL target: message`) comes from the WebRTC stack.
fn from_webrtc_stack(line: &str) -> bool {
    line.split_whitespace()
        .nth(2)
        .is_some_and(|t| t.starts_with("rtc") || t.starts_with("webrtc"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_info_a_voice_session_logs_no_webrtc_internals_unless_asked() {
    bounded(90, async {
        for (log, asked) in [("info", false), ("info,rtc=trace,webrtc=trace", true)] {
            let daemon = TestDaemon::start_with(&[("SPECTRUS_LOG", log)])
                .await
                .unwrap();
            let owner = daemon.owner().await.unwrap();
            let member = daemon.member(&owner, "talker").await.unwrap();
            let channel = lounge(&owner).await.id;
            let v = join_voice(&member, channel, SilenceSource).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            drop(v);
            let lines = daemon.log();
            let stack: Vec<&String> = lines.iter().filter(|l| from_webrtc_stack(l)).collect();
            assert_eq!(!stack.is_empty(), asked, "SPECTRUS_LOG={log}: {stack:#?}");
            if !asked {
                assert!(
                    lines.iter().any(|l| l.contains("voice SFU listening")),
                    "Spectrus's own events are there: {lines:#?}"
                );
            }
        }
    })
    .await;
}
