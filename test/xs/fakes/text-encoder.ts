export { FakeTextEncoder as default } from '../alloc-fakes.js';
