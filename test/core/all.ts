// Every core case file, imported once, so both runners (ava and XS) see the same list.
import './codec.cases.js';
import './session.cases.js';
import './client.cases.js';
import './app.cases.js';
