/** Cross-field checks of a structurally valid `net_params.json`. */
import type { Check } from '../checks.js';
import { didYouMean, type ConfigIssue, type PathSegment } from '../issues.js';
import { blockSources, type Block } from './blocks.js';
import type { NetParams } from './net-params.js';

/** One graph scope: the top level, or the per-step graph inside a timeDistributed block. */
export interface Scope {
  /** JSON path of this scope's `blocks` object. */
  blocksPath: PathSegment[];
  /** Names blocks in this scope may read: model inputs (top level) or the wrapper's input (nested). */
  sources: string[];
  blocks: Record<string, Block>;
  /** Names visible only outside this scope, for hints. */
  outer: string[];
  /** The outputs this scope must produce: the model outputs, or the wrapper's `output`. */
  outputs: { name: string; path: PathSegment[] }[];
}

/** Every scope of the network, top level first. */
export function scopes(net: NetParams): Scope[] {
  const all: Scope[] = [];
  const visit = (scope: Scope) => {
    all.push(scope);
    for (const [name, block] of Object.entries(scope.blocks)) {
      if (block.type !== 'timeDistributed') continue;
      const blockPath = [...scope.blocksPath, name];
      visit({
        blocksPath: [...blockPath, 'blocks'],
        sources: [block.input],
        blocks: block.blocks,
        outer: [...scope.outer, ...scope.sources, ...Object.keys(scope.blocks)],
        outputs: [{ name: block.output, path: [...blockPath, 'output'] }],
      });
    }
  };
  visit({
    blocksPath: ['blocks'],
    sources: Object.keys(net.inputs),
    blocks: net.blocks,
    outer: [],
    outputs: net.outputs.map((name, i) => ({ name, path: ['outputs', i] })),
  });
  return all;
}

/** The JSON path keys of a block's sources, paired with the names they hold. */
function sourceRefs(block: Block): { key: PathSegment[]; name: string }[] {
  if ('inputs' in block) return block.inputs.map((name, i) => ({ key: ['inputs', i], name }));
  const refs: { key: PathSegment[]; name: string }[] = [{ key: ['input'], name: block.input }];
  if ('mask' in block && block.mask !== undefined) refs.push({ key: ['mask'], name: block.mask });
  return refs;
}

const uniqueNames: Check<NetParams> = {
  name: 'uniqueNames',
  run: (net) =>
    Object.keys(net.blocks)
      .filter((name) => name in net.inputs)
      .map((name) => ({
        path: ['blocks', name],
        message: `Block name "${name}" is also the name of a model input.`,
        hint: 'give the block or the input another name.',
      })),
};

const knownSources: Check<NetParams> = {
  name: 'knownSources',
  run: (net) =>
    scopes(net).flatMap((scope) => {
      const visible = [...scope.sources, ...Object.keys(scope.blocks)];
      return Object.entries(scope.blocks).flatMap(([name, block]) =>
        sourceRefs(block)
          .filter((ref) => !visible.includes(ref.name) || ref.name === name)
          .map((ref): ConfigIssue => {
            const path = [...scope.blocksPath, name, ...ref.key];
            if (ref.name === name) return { path, message: `Block "${name}" reads its own output.`, hint: 'name another block or input.' };
            const suggestion = didYouMean(ref.name, visible);
            const outerHint = scope.outer.includes(ref.name)
              ? ` Inside a timeDistributed block only its input ("${scope.sources[0]}") and its own blocks are visible.`
              : '';
            return {
              path,
              message: `Expected the name of a model input or block, but got "${ref.name}".${outerHint}`,
              hint: suggestion ? `did you mean "${suggestion}"?` : `use one of ${visible.map((v) => `"${v}"`).join(', ')}.`,
            };
          }),
      );
    }),
};

const acyclic: Check<NetParams> = {
  name: 'acyclic',
  run: (net) =>
    scopes(net).flatMap((scope) => {
      const issues: ConfigIssue[] = [];
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (name: string, trail: string[]) => {
        const block = scope.blocks[name];
        if (!block || state.get(name) === 'done') return;
        if (state.get(name) === 'visiting') {
          const cycle = [...trail.slice(trail.indexOf(name)), name];
          issues.push({
            path: [...scope.blocksPath, name],
            message: `Blocks form a cycle: ${cycle.join(' → ')}.`,
            hint: 'a network is a directed acyclic graph; make one of these blocks read an earlier block or input.',
          });
          return;
        }
        state.set(name, 'visiting');
        for (const source of blockSources(block)) if (source !== name) visit(source, [...trail, name]);
        state.set(name, 'done');
      };
      for (const name of Object.keys(scope.blocks)) visit(name, []);
      return issues;
    }),
};

const knownOutputs: Check<NetParams> = {
  name: 'knownOutputs',
  run: (net) =>
    scopes(net).flatMap((scope) => {
      const names = Object.keys(scope.blocks);
      return scope.outputs
        .filter((output) => !names.includes(output.name))
        .map((output) => {
          const suggestion = didYouMean(output.name, names);
          return {
            path: output.path,
            message: `Expected the name of a block, but got "${output.name}".`,
            hint: suggestion ? `did you mean "${suggestion}"?` : `use one of ${names.map((n) => `"${n}"`).join(', ')}.`,
          };
        });
    }),
};

const stridesWithDilation: Check<NetParams> = {
  name: 'stridesWithDilation',
  run: (net) =>
    scopes(net).flatMap((scope) =>
      Object.entries(scope.blocks).flatMap(([name, block]) =>
        block.type !== 'conv1dStack'
          ? []
          : block.layers.flatMap((layer, i) =>
              layer.strides > 1 && layer.dilation > 1
                ? [
                    {
                      path: [...scope.blocksPath, name, 'layers', i],
                      message: `A convolution cannot have both strides (${layer.strides}) and dilation (${layer.dilation}) above 1.`,
                      hint: 'set one of them to 1, or split the layer in two.',
                    },
                  ]
                : [],
            ),
      ),
    ),
};

const shapeArguments: Check<NetParams> = {
  name: 'shapeArguments',
  run: (net) =>
    scopes(net).flatMap((scope) =>
      Object.entries(scope.blocks).flatMap(([name, block]): ConfigIssue[] => {
        if (block.type === 'reshape' && block.targetShape.filter((d) => d === -1).length > 1) {
          return [
            {
              path: [...scope.blocksPath, name, 'targetShape'],
              message: `Expected at most one -1 dimension, but got ${JSON.stringify(block.targetShape)}.`,
              hint: 'give every dimension but one explicitly.',
            },
          ];
        }
        if (block.type === 'permute') {
          const sorted = [...block.dims].sort((a, b) => a - b);
          if (sorted.some((d, i) => d !== i + 1)) {
            return [
              {
                path: [...scope.blocksPath, name, 'dims'],
                message: `Expected a permutation of 1..${block.dims.length}, but got ${JSON.stringify(block.dims)}.`,
                hint: 'list each per-sample axis exactly once, counting from 1.',
              },
            ];
          }
        }
        return [];
      }),
    ),
};

/**
 * The checks that only read block names and the `input`/`inputs`/`outputs`
 * wiring: they also run on a network whose structure is invalid elsewhere, so
 * a broken file's dangling references are reported with its type errors, in one round.
 */
export const wiringChecks: readonly Check<NetParams>[] = [uniqueNames, knownSources, acyclic, knownOutputs];

/** All net_params cross-field checks, in the order they run. */
export const netChecks: readonly Check<NetParams>[] = [
  uniqueNames,
  knownSources,
  acyclic,
  knownOutputs,
  stridesWithDilation,
  shapeArguments,
];
