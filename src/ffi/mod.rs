//! The C boundary: panic catching and argument guards, and validated handles.

#[macro_use]
pub mod boundary;
pub mod handle;
