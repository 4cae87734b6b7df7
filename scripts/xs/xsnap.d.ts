// @agoric/xsnap and @endo/init ship JavaScript without declarations for the parts we use.
declare module '@agoric/xsnap' {
  export interface XsnapMeterUsage {
    meterType: string;
    currentHeapCount: number | null;
    compute: number | null;
    allocate: number | null;
    timestamps: number[] | null;
  }
  export interface XsnapResult { reply: Uint8Array; meterUsage: XsnapMeterUsage }
  export interface Xsnap {
    evaluate(code: string): Promise<XsnapResult>;
    issueCommand(message: Uint8Array): Promise<XsnapResult>;
    close(): Promise<void>;
    terminate(): Promise<void>;
  }
  export function xsnap(options: {
    os: string;
    spawn: unknown;
    fs: unknown;
    name?: string;
    stdout?: 'ignore' | 'inherit' | 'pipe';
    stderr?: 'ignore' | 'inherit' | 'pipe';
    meteringLimit?: number;
  }): Promise<Xsnap>;
}
