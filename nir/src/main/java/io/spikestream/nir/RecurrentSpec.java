package io.spikestream.nir;

import java.util.Map;

/**
 * spikestream's side of a NIR graph: the learner's network as NEST names it. {@code recModel} hidden neurons
 * ({@code eprop_iaf} or {@code eprop_iaf_psc_delta}) with parameters {@code rec}, {@code eprop_readout} outputs with
 * {@code readout}; weights in pA as {@code [target][source]} matrices (0 where no synapse): input -> hidden
 * {@code wIn}, hidden -> hidden {@code wRec} (null: no recurrent projection), hidden -> readout {@code wOut}.
 * {@code resolutionMs} is the simulation step (NIR edges are one step).
 */
public record RecurrentSpec(String recModel, Map<String, Object> rec, String readoutModel, Map<String, Object> readout,
                            double[][] wIn, double[][] wRec, double[][] wOut, double resolutionMs) {

    public int inputs() {
        return wIn.length == 0 ? 0 : wIn[0].length;
    }

    public int hidden() {
        return wIn.length;
    }

    public int outputs() {
        return wOut.length;
    }
}
