// `text/encoder` as Moddable provides it (a native TextEncoder with encodeInto): XS under xsnap
// has the same class as a global.
declare const TextEncoder: new () => { encodeInto(s: string, into: Uint8Array): { read: number; written: number } };
export default TextEncoder;
