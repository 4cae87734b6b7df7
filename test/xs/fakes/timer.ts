export { FakeTimer as default } from '../alloc-fakes.js';
