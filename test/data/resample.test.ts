/**
 * Resampling is band-limited: a tone below the new Nyquist frequency comes
 * through at its amplitude, one above it is filtered out instead of aliasing
 * into the signal, and epochs stay aligned across the night.
 */
import { describe, expect, it } from 'vitest';
import { resampleLastAxis } from '../../src/data/preprocess.js';

/** A night of `epochs` rows of 30 s at `rate` Hz holding the sum of `tones` (Hz, amplitude). */
function night(rate: number, epochs: number, tones: [number, number][]) {
  const samples = 30 * rate;
  const data = new Float32Array(epochs * samples);
  for (let i = 0; i < data.length; i++) data[i] = tones.reduce((sum, [hz, amplitude]) => sum + amplitude * Math.sin((2 * Math.PI * hz * i) / rate), 0);
  return { shape: [epochs, samples], data };
}

/** Amplitude of the `hz` component of `signal` sampled at `rate` (a single-bin DFT over the middle, away from the ends). */
function amplitudeAt(signal: ArrayLike<number>, rate: number, hz: number): number {
  const start = Math.floor(signal.length / 4);
  const count = Math.floor(signal.length / 2);
  let re = 0;
  let im = 0;
  for (let i = start; i < start + count; i++) {
    re += signal[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += signal[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / count;
}

describe('resampling a signal', () => {
  it('keeps a tone below the new Nyquist frequency and removes one above it (256 → 32 Hz)', () => {
    // 5 Hz passes; 24 Hz is above 16 Hz and would alias to 8 Hz.
    const field = night(256, 3, [[5, 1], [24, 1]]);
    const out = resampleLastAxis(field, 30 * 32);
    expect(out.shape).toEqual([3, 960]);
    expect(amplitudeAt(out.data, 32, 5)).toBeCloseTo(1, 2);
    expect(amplitudeAt(out.data, 32, 8)).toBeLessThan(0.01); // the alias, -40 dB
  });

  it('does better than linear interpolation, which lets the alias through', () => {
    const field = night(256, 3, [[24, 1]]);
    const linear = new Float32Array(3 * 960).map((_, k) => field.data[k * 8]!); // decimation: what an unfiltered resampler does at this ratio
    expect(amplitudeAt(linear, 32, 8)).toBeGreaterThan(0.9);
    expect(amplitudeAt(resampleLastAxis(field, 960).data, 32, 8)).toBeLessThan(0.01);
  });

  it('upsamples a tone without changing it, and keeps a constant constant up to the night’s ends', () => {
    const tone = night(32, 2, [[3, 1]]);
    const up = resampleLastAxis(tone, 30 * 128);
    expect(amplitudeAt(up.data, 128, 3)).toBeCloseTo(1, 2);
    const constant = { shape: [2, 960], data: new Float32Array(1920).fill(0.5) };
    for (const value of resampleLastAxis(constant, 240).data) expect(value).toBeCloseTo(0.5, 6);
  });

  it('filters each channel of a multi-channel signal on its own, epoch after epoch', () => {
    const samples = 30 * 64;
    const data = new Float32Array(2 * 2 * samples);
    for (let e = 0; e < 2; e++) {
      for (let i = 0; i < samples; i++) {
        data[(e * 2 + 0) * samples + i] = 1; // channel 0: constant
        data[(e * 2 + 1) * samples + i] = Math.sin((2 * Math.PI * 2 * (e * samples + i)) / 64); // channel 1: 2 Hz across epochs
      }
    }
    const out = resampleLastAxis({ shape: [2, 2, samples], data }, 30 * 16);
    const channel = (c: number) => Float32Array.from({ length: 2 * 480 }, (_, k) => out.data[(Math.floor(k / 480) * 2 + c) * 480 + (k % 480)]!);
    for (const value of channel(0)) expect(value).toBeCloseTo(1, 6);
    expect(amplitudeAt(channel(1), 16, 2)).toBeCloseTo(1, 2);
  });
});
