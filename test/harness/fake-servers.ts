// The fake servers live in src/server/ so bench/ (which runs the built dist/) shares them with the tests.
export { FakeServer, MISBEHAVIOURS, type Misbehaviour } from '../../src/server/fake-servers.js';
