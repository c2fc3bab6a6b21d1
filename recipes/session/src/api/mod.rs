//! The recipe's FDI routes: `POST /session/refresh` and `POST /signout`, plus the public
//! key routes node serves from its JWT and OpenId recipes (`GET /jwt/jwks.json`,
//! `GET /.well-known/openid-configuration`).

mod jwks;
mod refresh;
mod signout;

pub(crate) use jwks::{jwks, openid_configuration};
pub(crate) use refresh::refresh;
pub(crate) use signout::signout;
