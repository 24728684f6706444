//! Carrying out effects. The reducer only describes what to do; an [`EffectRunner`] does it
//! and reports back with actions on the channel it was given. The real one is
//! [`crate::net::ClientRunner`]; tests and benchmarks may use their own.

use crate::effect::Effect;

/// Something that carries out effects.
pub trait EffectRunner {
    /// Starts carrying out `effect`. Must not block: long work goes to a task, and its result
    /// comes back as an [`Action`] on the runner's channel.
    fn run(&mut self, effect: Effect);
}
