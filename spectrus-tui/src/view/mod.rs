//! What the screen shows, computed from the state without drawing: where each pane goes and
//! the rows of the lists. The drawing code ([`crate::ui`]) renders it; the reducer hit-tests
//! clicks and moves cursors over the same rows, so both agree without the reducer importing
//! the drawing code.

pub mod channels;
pub mod layout;
pub mod members;
