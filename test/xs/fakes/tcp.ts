export { FakeTCP as default } from '../alloc-fakes.js';
