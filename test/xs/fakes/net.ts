export { FakeNet as default } from '../alloc-fakes.js';
