"use strict";
// supertokens-node 24 ⇄ Rust core, SQLite storage. Own file = own process
// (supertokens.init is process-global).
require("../lib/suite").defineSuite("sqlite", "supertokens-node 24 against the Rust core (SQLite)");
