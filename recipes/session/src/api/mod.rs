//! The recipe's FDI routes: `POST /session/refresh` and `POST /signout`.

mod refresh;
mod signout;

pub(crate) use refresh::refresh;
pub(crate) use signout::signout;
