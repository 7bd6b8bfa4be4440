package ai.talia.webchat.problem;

/** A failure that knows the problem the API answers for it ({@link ApiProblem#from}). */
public interface ProblemSource {
  ApiProblem toProblem();
}
