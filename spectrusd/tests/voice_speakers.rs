//! Every speaker heard by every listener: the real daemon, `spectrus-client` voice sessions
//! (spectrus-voice engines) over loopback WebRTC, several speakers with independent tones,
//! checked per listener and per speaker (by the tone in the decoded mix and by packets per
//! speaker), also while people join and leave; and a new speaker's first packets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::Client;
use spectrus_client::proto::Id;
use spectrus_client::voice::{
    AudioSource, OPENING_PACKETS, SilenceSource, SineSource, VoiceOptions,
};
use spectrus_testkit::voice::{Voicer, bounded, join_with, loopback, silent_at};
use spectrus_testkit::{TestDaemon, eventually, voice_channel};

/// Joins `channel` as `client`, sending `source` (muted when `muted`), and waits until
/// connected.
async fn join(
    client: &Client,
    channel: Id,
    source: impl AudioSource + 'static,
    muted: bool,
) -> Voicer {
    let opts = VoiceOptions {
        self_mute: muted,
        ..loopback()
    };
    join_with(client, channel, source, opts).await
}

/// The daemon, its owner, `n` members and a fresh voice channel.
async fn setup(n: usize) -> (TestDaemon, Vec<Client>, Id) {
    let daemon = TestDaemon::start().await.unwrap();
    let owner = daemon.owner().await.unwrap();
    let mut members = vec![];
    for i in 0..n {
        members.push(daemon.member(&owner, &format!("m{i}")).await.unwrap());
    }
    let ch = voice_channel(&owner, "room").await;
    (daemon, members, ch)
}

/// Waits until every one of `listeners` hears every one of `speakers` (as `(user, tone)`)
/// other than itself, by tone and by packets; panics with who misses whom.
async fn everyone_hears(listeners: &[&Voicer], speakers: &[(Id, f32)], within: Duration) {
    let all = || {
        listeners.iter().all(|l| {
            speakers
                .iter()
                .filter(|(s, _)| *s != l.user)
                .all(|(s, f)| l.packets_from(*s) > 0 && l.hears(*f))
        })
    };
    if eventually(within, all).await {
        return;
    }
    let mut missing = vec![];
    for l in listeners {
        for (s, f) in speakers.iter().filter(|(s, _)| *s != l.user) {
            if l.packets_from(*s) == 0 || !l.hears(*f) {
                missing.push(format!(
                    "{} misses {} ({} Hz: power {:.4}, {} packets)",
                    l.user,
                    s,
                    f,
                    l.power(*f),
                    l.packets_from(*s)
                ));
            }
        }
    }
    panic!("not every speaker is heard: {missing:#?}");
}

const TONES: [f32; 4] = [440.0, 660.0, 880.0, 1_100.0];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_speakers_reach_all_six_participants() {
    bounded(180, async {
        let (_d, m, ch) = setup(6).await;
        let mut v = vec![];
        for (i, c) in m.iter().enumerate() {
            v.push(if i < 3 {
                join(c, ch, SineSource::new(TONES[i]), false).await
            } else {
                join(c, ch, SilenceSource, true).await
            });
        }
        let speakers: Vec<(Id, f32)> = (0..3).map(|i| (v[i].user, TONES[i])).collect();
        let refs: Vec<&Voicer> = v.iter().collect();
        everyone_hears(&refs, &speakers, Duration::from_secs(20)).await;
        // Nobody hears itself, and listeners are not heard (they send nothing).
        for (i, x) in v.iter().enumerate().take(3) {
            assert!(silent_at(&x.audio, TONES[i]), "{} hears itself", x.user);
        }
        for l in &v[3..] {
            for x in &v {
                assert_eq!(
                    x.packets_from(l.user),
                    0,
                    "{} received from muted {}",
                    x.user,
                    l.user
                );
            }
        }
        for x in v {
            x.session.leave().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speakers_stay_heard_while_people_join_and_leave() {
    bounded(240, async {
        let (_d, m, ch) = setup(8).await;
        let mut v = vec![];
        for (i, c) in m.iter().take(6).enumerate() {
            v.push(if i < 3 {
                join(c, ch, SineSource::new(TONES[i]), false).await
            } else {
                join(c, ch, SilenceSource, true).await
            });
        }
        let mut speakers: Vec<(Id, f32)> = (0..3).map(|i| (v[i].user, TONES[i])).collect();
        {
            let refs: Vec<&Voicer> = v.iter().collect();
            everyone_hears(&refs, &speakers, Duration::from_secs(20)).await;
        }
        // A listener joins while three speak: it hears all three.
        v.push(join(&m[6], ch, SilenceSource, true).await);
        {
            let refs: Vec<&Voicer> = v.iter().collect();
            everyone_hears(&refs, &speakers, Duration::from_secs(10)).await;
        }
        // A listener and a speaker leave; a new speaker joins while the others speak.
        let gone_listener = v.remove(3);
        gone_listener.session.leave().await;
        let gone_speaker = v.remove(1);
        speakers.remove(1);
        let gone = gone_speaker.user;
        gone_speaker.session.leave().await;
        v.push(join(&m[7], ch, SineSource::new(TONES[3]), false).await);
        speakers.push((v.last().unwrap().user, TONES[3]));
        {
            let refs: Vec<&Voicer> = v.iter().collect();
            everyone_hears(&refs, &speakers, Duration::from_secs(10)).await;
        }
        // The speaker who left is no longer heard.
        assert!(
            eventually(Duration::from_secs(5), || v
                .iter()
                .all(|x| silent_at(&x.audio, TONES[1])))
            .await,
            "{gone}'s tone still heard"
        );
        for x in v {
            x.session.leave().await;
        }
    })
    .await;
}

/// A new speaker is heard from its very first packet: the speaker joins talking (its first
/// packet makes it a speaker, which renegotiates the listeners), talks for 1.5 s and mutes;
/// every listener must have heard its first packet and the whole first 100 ms after it, and
/// the rest of what it sent (up to one packet in fifty lost on the way, which UDP allows and
/// a starved test machine causes, not the renegotiation).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_speakers_first_packets_reach_listeners() {
    bounded(120, async {
        let (_d, m, ch) = setup(4).await;
        let listeners = [
            join(&m[0], ch, SilenceSource, true).await,
            join(&m[1], ch, SilenceSource, true).await,
            join(&m[2], ch, SilenceSource, true).await,
        ];
        let speaker = join(&m[3], ch, SineSource::new(440.0), false).await;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        speaker.session.set_self_mute(true);
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let stats = speaker.session.stats();
        let sent = stats.packets_sent;
        assert!(sent >= 50, "the speaker sent only {sent} packets");
        let first = stats
            .first_sequence_sent
            .expect("the speaker's first packet");
        for l in &listeners {
            let got = l.packets_from(speaker.user);
            let opening = l.opening_from(speaker.user).unwrap_or_default();
            println!(
                "listener {} received {got} of {sent} packets; the first heard {} (sent first: \
                 {first}), {} of the first {OPENING_PACKETS}",
                l.user, opening.first_sequence, opening.heard
            );
            assert_eq!(
                opening.first_sequence, first,
                "listener {} did not hear the new speaker's first packet",
                l.user
            );
            assert_eq!(
                opening.heard, OPENING_PACKETS,
                "listener {} missed some of the new speaker's first 100 ms",
                l.user
            );
            assert!(
                got + sent / 50 >= sent,
                "listener {} missed {} of the new speaker's packets",
                l.user,
                sent - got
            );
        }
    })
    .await;
}
