export { FakeTime as default } from '../alloc-fakes.js';
