import { test } from './harness.js';

void test;
