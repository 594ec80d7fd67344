/** What a worker gives its activities: where artifacts go and how relative config paths resolve. */
export interface ActivityDeps {
  /** Default artifact root (`runs/`); a train_params `artifactRoot` overrides it. */
  artifactRoot: string;
  /** Folder that relative config paths given to a workflow resolve against. */
  cwd: string;
}
